package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Bucket names one kind of record.
type Bucket string

// The buckets the services scheduler uses.
const (
	Meta        Bucket = "meta"        // framework id and other single values
	Apps        Bucket = "apps"        // app id → the app's current definition
	Versions    Bucket = "versions"    // app id + " " + version → that definition
	Deployments Bucket = "deployments" // deployment id → deployment
	Instances   Bucket = "instances"   // task id → instance record
	Groups      Bucket = "groups"      // group id → group (dependencies)
)

var buckets = []Bucket{Meta, Apps, Versions, Deployments, Instances, Groups}

// ErrCorrupt reports a database file that cannot be read as a store.
var ErrCorrupt = errors.New("store: corrupt or unreadable database")

// Store is an open database. Its methods are safe for concurrent use.
type Store struct {
	db *bolt.DB
}

// FileName is the database's name inside the work directory.
const FileName = "services.db"

// Open opens (creating if needed) the store in dir. A database another
// process holds open makes Open fail after a second rather than wait.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	path := filepath.Join(dir, FileName)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("store: %s is in use by another process", path)
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range buckets {
			if _, err := tx.CreateBucketIfNotExists([]byte(b)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
	}
	return &Store{db: db}, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Tx is one read-write transaction.
type Tx struct{ tx *bolt.Tx }

// Put stores v, encoded as JSON, under key.
func (t *Tx) Put(b Bucket, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store: encode %s/%s: %w", b, key, err)
	}
	return t.tx.Bucket([]byte(b)).Put([]byte(key), data)
}

// Delete removes key; a missing key is not an error.
func (t *Tx) Delete(b Bucket, key string) error {
	return t.tx.Bucket([]byte(b)).Delete([]byte(key))
}

// DeletePrefix removes every key that starts with prefix.
func (t *Tx) DeletePrefix(b Bucket, prefix string) error {
	c := t.tx.Bucket([]byte(b)).Cursor()
	p := []byte(prefix)
	for k, _ := c.Seek(p); k != nil && len(k) >= len(p) && string(k[:len(p)]) == prefix; k, _ = c.Seek(p) {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

// Update runs fn in one transaction, committed (and fsynced) when fn returns
// nil and rolled back otherwise.
func (s *Store) Update(fn func(*Tx) error) error {
	return s.db.Update(func(tx *bolt.Tx) error { return fn(&Tx{tx: tx}) })
}

// Get decodes the value under key into v and reports whether it exists.
func (s *Store) Get(b Bucket, key string, v any) (bool, error) {
	var found bool
	err := s.db.View(func(tx *bolt.Tx) error {
		data := tx.Bucket([]byte(b)).Get([]byte(key))
		if data == nil {
			return nil
		}
		found = true
		return json.Unmarshal(data, v)
	})
	if err != nil {
		return false, fmt.Errorf("%w: %s/%s: %v", ErrCorrupt, b, key, err)
	}
	return found, nil
}

// ForEach calls fn for every record of b whose key starts with prefix, in
// key order. fn must not keep data after it returns.
func (s *Store) ForEach(b Bucket, prefix string, fn func(key string, data []byte) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket([]byte(b)).Cursor()
		p := []byte(prefix)
		for k, v := c.Seek(p); k != nil && len(k) >= len(p) && string(k[:len(p)]) == prefix; k, v = c.Next() {
			if err := fn(string(k), v); err != nil {
				return err
			}
		}
		return nil
	})
}

// Load decodes every record of b into a new T, keyed by key.
func Load[T any](s *Store, b Bucket) (map[string]*T, error) {
	out := make(map[string]*T)
	err := s.ForEach(b, "", func(key string, data []byte) error {
		v := new(T)
		if err := json.Unmarshal(data, v); err != nil {
			return fmt.Errorf("%w: %s/%s: %v", ErrCorrupt, b, key, err)
		}
		out[key] = v
		return nil
	})
	return out, err
}
