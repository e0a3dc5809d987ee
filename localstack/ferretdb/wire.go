package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"go.mongodb.org/mongo-driver/x/bsonx/bsoncore"
	"go.mongodb.org/mongo-driver/x/mongo/driver/wiremessage"
)

// MongoDB's maxMessageSizeBytes (48 MB) plus room for the header: a longer length prefix is a
// broken stream, not a message, and must not make us allocate it.
const maxMessageSize = 48*1000*1000 + 16*1024

const headerSize = 16

// message is one wire message exactly as read: the gate forwards these bytes unchanged unless it
// has a reason to rewrite them.
type message struct {
	raw        []byte
	requestID  int32
	responseTo int32
	opcode     wiremessage.OpCode
}

func readMessage(r *bufio.Reader) (*message, error) {
	var header [headerSize]byte
	if _, err := io.ReadFull(r, header[:]); err != nil {
		return nil, err
	}
	length, requestID, responseTo, opcode, _, ok := wiremessage.ReadHeader(header[:])
	if !ok || length < headerSize || length > maxMessageSize {
		return nil, fmt.Errorf("wire: bad message length %d", length)
	}
	raw := make([]byte, length)
	copy(raw, header[:])
	if _, err := io.ReadFull(r, raw[headerSize:]); err != nil {
		return nil, err
	}
	return &message{raw: raw, requestID: requestID, responseTo: responseTo, opcode: opcode}, nil
}

// opMsg is an OP_MSG taken apart. A command's arguments can come in the body or as document
// sequences (kind 1 sections: drivers send `updates`, `deletes`, `documents` that way), so both
// are kept.
type opMsg struct {
	flags     wiremessage.MsgFlag
	body      bsoncore.Document
	sequences map[string][]bsoncore.Document
}

var errMalformed = errors.New("wire: malformed OP_MSG")

func parseOpMsg(raw []byte) (*opMsg, error) {
	flags, src, ok := wiremessage.ReadMsgFlags(raw[headerSize:])
	if !ok {
		return nil, errMalformed
	}
	if flags&wiremessage.ChecksumPresent != 0 {
		if len(src) < 4 {
			return nil, errMalformed
		}
		src = src[:len(src)-4]
	}
	m := &opMsg{flags: flags, sequences: map[string][]bsoncore.Document{}}
	for len(src) > 0 {
		kind, rest, _ := wiremessage.ReadMsgSectionType(src)
		switch kind {
		case wiremessage.SingleDocument:
			if m.body != nil {
				return nil, errMalformed
			}
			m.body, src, ok = wiremessage.ReadMsgSectionSingleDocument(rest)
		case wiremessage.DocumentSequence:
			var id string
			var docs []bsoncore.Document
			id, docs, src, ok = wiremessage.ReadMsgSectionDocumentSequence(rest)
			m.sequences[id] = append(m.sequences[id], docs...)
		default:
			ok = false
		}
		if !ok {
			return nil, errMalformed
		}
	}
	if m.body == nil || m.body.Validate() != nil {
		return nil, errMalformed
	}
	for _, docs := range m.sequences {
		for _, d := range docs {
			if d.Validate() != nil {
				return nil, errMalformed
			}
		}
	}
	return m, nil
}

// command is the command's name: the body's first key.
func (m *opMsg) command() string {
	el, err := m.body.IndexErr(0)
	if err != nil {
		return ""
	}
	return el.Key()
}

// list is the command argument `name` (e.g. `updates`), from the body and from a document
// sequence of that name.
func (m *opMsg) list(name string) []bsoncore.Document {
	out := append([]bsoncore.Document(nil), m.sequences[name]...)
	if arr, ok := m.body.Lookup(name).ArrayOK(); ok {
		values, _ := arr.Values()
		for _, v := range values {
			if d, ok := v.DocumentOK(); ok {
				out = append(out, d)
			}
		}
	}
	return out
}

// withoutMoreToCome returns a copy of an OP_MSG that asks for a reply. The checksum, which
// covers the flags, is dropped rather than recomputed (it is optional).
func withoutMoreToCome(raw []byte) []byte {
	flags := wiremessage.MsgFlag(binary.LittleEndian.Uint32(raw[headerSize:]))
	out := append([]byte(nil), raw...)
	if flags&wiremessage.ChecksumPresent != 0 {
		out = out[:len(out)-4]
	}
	flags &^= wiremessage.MoreToCome | wiremessage.ChecksumPresent
	binary.LittleEndian.PutUint32(out[headerSize:], uint32(flags))
	binary.LittleEndian.PutUint32(out[0:], uint32(len(out)))
	return out
}

// withField returns an OP_MSG reply whose body has one more string field, or the reply as it
// was when it is not a plain one-section OP_MSG.
func withField(raw []byte, key, value string) []byte {
	m, err := parseOpMsg(raw)
	if err != nil || len(m.sequences) > 0 {
		return raw
	}
	_, requestID, responseTo, opcode, _, _ := wiremessage.ReadHeader(raw)
	idx, doc := bsoncore.AppendDocumentStart(nil)
	doc = append(doc, m.body[4:len(m.body)-1]...)
	doc = bsoncore.AppendStringElement(doc, key, value)
	doc, err = bsoncore.AppendDocumentEnd(doc, idx)
	if err != nil {
		return raw
	}
	start, out := wiremessage.AppendHeaderStart(nil, requestID, responseTo, opcode)
	out = wiremessage.AppendMsgFlags(out, m.flags&^wiremessage.ChecksumPresent)
	out = wiremessage.AppendMsgSectionType(out, wiremessage.SingleDocument)
	out = append(out, doc...)
	binary.LittleEndian.PutUint32(out[start:], uint32(len(out)))
	return out
}
