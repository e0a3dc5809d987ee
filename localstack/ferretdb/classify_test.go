package main

import (
	"encoding/binary"
	"hash/crc32"
	"testing"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/x/bsonx/bsoncore"
	"go.mongodb.org/mongo-driver/x/mongo/driver/wiremessage"
)

type sequence struct {
	id   string
	docs []bson.D
}

// opMsgBytes builds an OP_MSG as a driver would send it: the body, then document sequences.
func opMsgBytes(t *testing.T, flags wiremessage.MsgFlag, body bson.D, seqs ...sequence) []byte {
	t.Helper()
	idx, b := wiremessage.AppendHeaderStart(nil, 7, 0, wiremessage.OpMsg)
	b = wiremessage.AppendMsgFlags(b, flags)
	b = wiremessage.AppendMsgSectionType(b, wiremessage.SingleDocument)
	b = append(b, marshal(t, body)...)
	for _, s := range seqs {
		b = wiremessage.AppendMsgSectionType(b, wiremessage.DocumentSequence)
		var start int32
		start, b = bsoncore.ReserveLength(b)
		b = append(append(b, s.id...), 0)
		for _, d := range s.docs {
			b = append(b, marshal(t, d)...)
		}
		b = bsoncore.UpdateLength(b, start, int32(len(b))-start)
	}
	if flags&wiremessage.ChecksumPresent != 0 {
		b = binary.LittleEndian.AppendUint32(b, 0) // length must count the checksum
		binary.LittleEndian.PutUint32(b[idx:], uint32(len(b)))
		binary.LittleEndian.PutUint32(b[len(b)-4:], crc32.Checksum(b[:len(b)-4], crc32.MakeTable(crc32.Castagnoli)))
		return b
	}
	return bsoncore.UpdateLength(b, idx, int32(len(b))-idx)
}

func marshal(t *testing.T, d bson.D) []byte {
	t.Helper()
	raw, err := bson.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func classifyBytes(t *testing.T, raw []byte, sqlite bool) (access, bool) {
	t.Helper()
	m, err := parseOpMsg(raw)
	if err != nil {
		t.Fatalf("parseOpMsg: %v", err)
	}
	return classify(m, sqlite)
}

func TestClassify(t *testing.T) {
	stmt := func(q bson.D, extra ...bson.E) bson.D {
		return append(bson.D{{"q", q}, {"u", bson.D{{"$set", bson.D{{"x", 1}}}}}}, extra...)
	}
	del := func(q bson.D, limit int32) bson.D { return bson.D{{"q", q}, {"limit", limit}} }
	updateBody := func(stmts ...bson.D) bson.D {
		arr := bson.A{}
		for _, s := range stmts {
			arr = append(arr, s)
		}
		return bson.D{{"update", "orders"}, {"updates", arr}, {"$db", "oms"}}
	}
	byID := access{scope: "oms.orders", doc: "sA"}
	whole := access{scope: "oms.orders"}

	cases := []struct {
		name   string
		raw    []byte
		sqlite bool
		want   access
		gated  bool
	}{
		{"update by _id in the body", opMsgBytes(t, 0, updateBody(stmt(bson.D{{"_id", "A"}, {"version", 1}}))), false, byID, true},
		{"update by _id in a document sequence", opMsgBytes(t, 0, bson.D{{"update", "orders"}, {"$db", "oms"}}, sequence{"updates", []bson.D{stmt(bson.D{{"tenant_id", "t"}, {"_id", "A"}})}}), false, byID, true},
		{"update by _id with a checksum", opMsgBytes(t, wiremessage.ChecksumPresent, updateBody(stmt(bson.D{{"_id", "A"}}))), false, byID, true},
		{"update by _id $eq", opMsgBytes(t, 0, updateBody(stmt(bson.D{{"_id", bson.D{{"$eq", "A"}}}}))), false, byID, true},
		{"update by another filter", opMsgBytes(t, 0, updateBody(stmt(bson.D{{"sku", "S"}, {"available", bson.D{{"$gte", 1}}}}))), false, whole, true},
		{"update by _id $in", opMsgBytes(t, 0, updateBody(stmt(bson.D{{"_id", bson.D{{"$in", bson.A{"A"}}}}}))), false, whole, true},
		{"updateMany by _id", opMsgBytes(t, 0, updateBody(stmt(bson.D{{"_id", "A"}}, bson.E{"multi", true}))), false, whole, true},
		{"two statements", opMsgBytes(t, 0, updateBody(stmt(bson.D{{"_id", "A"}}), stmt(bson.D{{"_id", "B"}}))), false, whole, true},
		{"statements split between body and sequence", opMsgBytes(t, 0, updateBody(stmt(bson.D{{"_id", "A"}})), sequence{"updates", []bson.D{stmt(bson.D{{"_id", "B"}})}}), false, whole, true},
		{"update with a collation", opMsgBytes(t, 0, updateBody(stmt(bson.D{{"_id", "A"}}, bson.E{"collation", bson.D{{"locale", "en"}, {"strength", 2}}}))), false, whole, true},
		{"deleteOne by _id", opMsgBytes(t, 0, bson.D{{"delete", "orders"}, {"$db", "oms"}}, sequence{"deletes", []bson.D{del(bson.D{{"_id", "A"}}, 1)}}), false, byID, true},
		{"deleteMany by _id", opMsgBytes(t, 0, bson.D{{"delete", "orders"}, {"$db", "oms"}}, sequence{"deletes", []bson.D{del(bson.D{{"_id", "A"}}, 0)}}), false, whole, true},
		{"findAndModify by _id", opMsgBytes(t, 0, bson.D{{"findAndModify", "orders"}, {"query", bson.D{{"_id", "A"}, {"version", 3}}}, {"update", bson.D{{"$inc", bson.D{{"version", 1}}}}}, {"$db", "oms"}}), false, byID, true},
		{"findAndModify by another filter", opMsgBytes(t, 0, bson.D{{"findAndModify", "orders"}, {"query", bson.D{{"status", "pending"}}}, {"remove", true}, {"$db", "oms"}}), false, whole, true},
		{"findandmodify (old spelling)", opMsgBytes(t, 0, bson.D{{"findandmodify", "orders"}, {"query", bson.D{{"_id", "A"}}}, {"$db", "oms"}}), false, byID, true},
		{"insert on PostgreSQL", opMsgBytes(t, 0, bson.D{{"insert", "orders"}, {"$db", "oms"}}, sequence{"documents", []bson.D{{{"_id", "A"}}}}), false, access{}, false},
		{"insert on SQLite", opMsgBytes(t, 0, bson.D{{"insert", "orders"}, {"$db", "oms"}}, sequence{"documents", []bson.D{{{"_id", "A"}}}}), true, access{scope: "oms"}, true},
		{"update by _id on SQLite", opMsgBytes(t, 0, updateBody(stmt(bson.D{{"_id", "A"}}))), true, access{scope: "oms"}, true},
		{"find", opMsgBytes(t, 0, bson.D{{"find", "orders"}, {"filter", bson.D{{"_id", "A"}}}, {"$db", "oms"}}), false, access{}, false},
		{"hello", opMsgBytes(t, 0, bson.D{{"hello", 1}, {"$db", "admin"}}), false, access{}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, gated := classifyBytes(t, c.raw, c.sqlite)
			if gated != c.gated || got != c.want {
				t.Fatalf("classify = %+v, %v; want %+v, %v", got, gated, c.want, c.gated)
			}
		})
	}
}

func TestIDKeyFollowsMongoDBEquality(t *testing.T) {
	key := func(v any) string {
		t.Helper()
		typ, data, err := bson.MarshalValue(v)
		if err != nil {
			t.Fatal(err)
		}
		k, ok := idKey(bsoncore.Value{Type: typ, Data: data})
		if !ok {
			t.Fatalf("idKey(%v) not a scalar", v)
		}
		return k
	}
	if key(int32(7)) != key(int64(7)) || key(int64(7)) != key(7.0) {
		t.Fatal("7, NumberLong(7) and 7.0 are one _id in MongoDB and must share a lock")
	}
	if key(7.5) == key(int64(7)) || key("7") == key(int32(7)) {
		t.Fatal("different _id values must not share a key")
	}
	for _, v := range []any{bson.A{1}, bson.D{{"a", 1}}, nil} {
		typ, data, _ := bson.MarshalValue(v)
		if _, ok := idKey(bsoncore.Value{Type: typ, Data: data}); ok {
			t.Fatalf("idKey(%v) must fall back to the collection lock", v)
		}
	}
}

func TestWithoutMoreToCome(t *testing.T) {
	raw := opMsgBytes(t, wiremessage.MoreToCome|wiremessage.ChecksumPresent, bson.D{{"update", "c"}, {"$db", "d"}})
	out := withoutMoreToCome(raw)
	m, err := parseOpMsg(out)
	if err != nil {
		t.Fatal(err)
	}
	if m.flags != 0 || int(binary.LittleEndian.Uint32(out)) != len(out) || len(out) != len(raw)-4 {
		t.Fatalf("flags %v, length field %d, len %d (was %d)", m.flags, binary.LittleEndian.Uint32(out), len(out), len(raw))
	}
	if wiremessage.IsMsgMoreToCome(raw) == false || wiremessage.IsMsgMoreToCome(out) {
		t.Fatal("moreToCome must be cleared in the copy only")
	}
}

func TestWithField(t *testing.T) {
	raw := opMsgBytes(t, 0, bson.D{{"version", "7.0.77"}, {"ok", 1.0}})
	m, err := parseOpMsg(withField(raw, buildField, "abc"))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := m.body.Lookup(buildField).StringValueOK(); got != "abc" {
		t.Fatalf("%s = %q in %v", buildField, got, m.body)
	}
	if v, _ := m.body.Lookup("version").StringValueOK(); v != "7.0.77" {
		t.Fatalf("the reply's own fields must stay: %v", m.body)
	}
}

func TestMalformedMessagesAreRefused(t *testing.T) {
	raw := opMsgBytes(t, 0, bson.D{{"update", "c"}, {"$db", "d"}}, sequence{"updates", []bson.D{{{"q", bson.D{}}}}})
	bodyEnd := headerSize + 4 + 1 + len(marshal(t, bson.D{{"update", "c"}, {"$db", "d"}})) // a whole message without the sequence
	for cut := headerSize + 1; cut < len(raw); cut++ {
		if cut == bodyEnd {
			continue
		}
		broken := append([]byte(nil), raw[:cut]...)
		binary.LittleEndian.PutUint32(broken, uint32(len(broken)))
		if _, err := parseOpMsg(broken); err == nil {
			t.Fatalf("a message cut at %d of %d bytes parsed", cut, len(raw))
		}
	}
}
