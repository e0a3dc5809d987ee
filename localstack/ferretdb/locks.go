package main

import "sync"

// access is what a gated write must hold while FerretDB runs it.
type access struct {
	// scope is the set of documents the write may touch: a collection ("db.coll"), or a whole
	// database on SQLite, which has one writer per database file anyway.
	scope string
	// doc names the one document the write touches (its canonical _id); empty when any document
	// of the scope may be touched, so the write takes the scope exclusively.
	doc string
}

// locks is a readers-writer lock per scope plus a mutex per document: a write by _id shares its
// scope and takes its document's mutex, so writes to different documents run side by side, while
// any other write waits for the scope's writes in flight and holds new ones off (sync.RWMutex
// blocks new readers once a writer waits, so a busy collection cannot starve an exclusive write).
// Locks live only while someone holds or waits for them.
type locks struct {
	scopes refCounted[sync.RWMutex]
	docs   refCounted[sync.Mutex]
}

func newLocks() *locks {
	return &locks{scopes: refCounted[sync.RWMutex]{m: map[string]*counted[sync.RWMutex]{}}, docs: refCounted[sync.Mutex]{m: map[string]*counted[sync.Mutex]{}}}
}

// acquire blocks until a may run and returns what releases it. Locks are always taken scope
// first, then document, and a connection holds one set at a time, so they cannot deadlock.
func (l *locks) acquire(a access) (release func()) {
	scope := l.scopes.get(a.scope)
	if a.doc == "" {
		scope.Lock()
		return func() {
			scope.Unlock()
			l.scopes.put(a.scope)
		}
	}
	scope.RLock()
	key := a.scope + "\x00" + a.doc
	doc := l.docs.get(key)
	doc.Lock()
	return func() {
		doc.Unlock()
		l.docs.put(key)
		scope.RUnlock()
		l.scopes.put(a.scope)
	}
}

// refCounted hands out one T per key and forgets it when its last user puts it back, so the map
// holds only the documents being written, not every _id ever seen.
type refCounted[T any] struct {
	mu sync.Mutex
	m  map[string]*counted[T]
}

type counted[T any] struct {
	value T
	users int
}

func (r *refCounted[T]) get(key string) *T {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.m[key]
	if c == nil {
		c = &counted[T]{}
		r.m[key] = c
	}
	c.users++
	return &c.value
}

func (r *refCounted[T]) put(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c := r.m[key]; c != nil {
		if c.users--; c.users == 0 {
			delete(r.m, key)
		}
	}
}

// size is how many keys are held (for tests: nothing may leak).
func (r *refCounted[T]) size() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.m)
}
