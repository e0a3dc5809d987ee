package main

import (
	"math"
	"strconv"

	"go.mongodb.org/mongo-driver/bson/bsontype"
	"go.mongodb.org/mongo-driver/x/bsonx/bsoncore"
)

// classify says what a command must hold to run as MongoDB would run it, and false for commands
// that need nothing (reads, and writes FerretDB already applies atomically). FerretDB 1.24 runs
// update, findAndModify and delete as "read the matching documents, then write them back"
// (FerretDB #2168, #3040), so two of them on one document must never overlap. Inserts are atomic
// there (PostgreSQL enforces unique indexes itself); on SQLite they are gated too (see below).
func classify(m *opMsg, sqlite bool) (access, bool) {
	name := m.command()
	db, _ := m.body.Lookup("$db").StringValueOK()
	coll, ok := m.body.Lookup(name).StringValueOK()
	if !ok {
		return access{}, false // not a collection command, or one FerretDB will refuse
	}
	scope := db + "." + coll
	if sqlite {
		// One writer per database file: writes that overlap there fail with SQLITE_BUSY instead
		// of waiting, so every write, insert included, takes its whole database in turn.
		switch name {
		case "update", "delete", "findAndModify", "findandmodify", "insert":
			return access{scope: db}, true
		}
		return access{}, false
	}
	switch name {
	case "update":
		stmts := m.list("updates")
		if len(stmts) == 1 && !isTrue(stmts[0].Lookup("multi")) {
			return single(scope, stmts[0], "q"), true
		}
		return access{scope: scope}, true
	case "delete":
		stmts := m.list("deletes")
		if len(stmts) == 1 && isOne(stmts[0].Lookup("limit")) {
			return single(scope, stmts[0], "q"), true
		}
		return access{scope: scope}, true
	case "findAndModify", "findandmodify":
		return single(scope, m.body, "query"), true
	}
	return access{}, false
}

// single is the access of a one-document write: its document when the filter pins the _id to one
// scalar value, else the whole scope (the filter may match any document, so it must exclude every
// other write to the collection).
func single(scope string, stmt bsoncore.Document, filterKey string) access {
	if _, err := stmt.LookupErr("collation"); err == nil {
		return access{scope: scope} // a collation may make other _id strings equal to this one
	}
	filter, ok := stmt.Lookup(filterKey).DocumentOK()
	if !ok {
		return access{scope: scope}
	}
	key, ok := idKey(filter.Lookup("_id"))
	if !ok {
		return access{scope: scope}
	}
	return access{scope: scope, doc: key}
}

// idKey is the key of a scalar _id, equal for every value MongoDB's equality treats as equal
// (1, NumberLong(1) and 1.0 are the same _id), or false when the value is not one scalar.
func idKey(v bsoncore.Value) (string, bool) {
	switch v.Type {
	case bsontype.String:
		return "s" + v.StringValue(), true
	case bsontype.ObjectID:
		oid := v.ObjectID()
		return "o" + string(oid[:]), true
	case bsontype.Int32:
		return "n" + strconv.FormatInt(int64(v.Int32()), 10), true
	case bsontype.Int64:
		return "n" + strconv.FormatInt(v.Int64(), 10), true
	case bsontype.Double:
		f := v.Double()
		if math.IsNaN(f) {
			return "", false
		}
		if f == math.Trunc(f) && math.Abs(f) < 1<<63 {
			return "n" + strconv.FormatInt(int64(f), 10), true
		}
		return "n" + strconv.FormatFloat(f, 'g', -1, 64), true
	case bsontype.Boolean, bsontype.DateTime, bsontype.Timestamp, bsontype.Binary:
		return string(rune(v.Type)) + string(v.Data), true
	case bsontype.EmbeddedDocument:
		// {_id: {$eq: x}} pins the _id as {_id: x} does; any other operator does not.
		doc := v.Document()
		elems, err := doc.Elements()
		if err != nil || len(elems) != 1 || elems[0].Key() != "$eq" {
			return "", false
		}
		inner := elems[0].Value()
		if inner.Type == bsontype.EmbeddedDocument {
			return "", false
		}
		return idKey(inner)
	}
	return "", false
}

// isTrue is MongoDB's truthiness of a flag such as `multi` (missing is false).
func isTrue(v bsoncore.Value) bool {
	switch v.Type {
	case bsontype.Boolean:
		return v.Boolean()
	case bsontype.Int32, bsontype.Int64, bsontype.Double:
		f, _ := number(v)
		return f != 0
	}
	return false
}

// isOne says whether a delete's `limit` is 1 (one document); 0 means all of them.
func isOne(v bsoncore.Value) bool {
	f, ok := number(v)
	return ok && f == 1
}

func number(v bsoncore.Value) (float64, bool) {
	switch v.Type {
	case bsontype.Int32:
		return float64(v.Int32()), true
	case bsontype.Int64:
		return float64(v.Int64()), true
	case bsontype.Double:
		return v.Double(), true
	}
	return 0, false
}
