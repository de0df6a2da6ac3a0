package store

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

type rec struct {
	Name string `json:"name"`
	N    int    `json:"n"`
}

func TestValuesSurviveReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(func(tx *Tx) error {
		if err := tx.Put(Apps, "/a", rec{"a", 1}); err != nil {
			return err
		}
		if err := tx.Put(Versions, "/a 1", rec{"a", 1}); err != nil {
			return err
		}
		if err := tx.Put(Versions, "/a 2", rec{"a", 2}); err != nil {
			return err
		}
		return tx.Put(Versions, "/ab 1", rec{"ab", 1})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var got rec
	if ok, err := s.Get(Apps, "/a", &got); err != nil || !ok || got != (rec{"a", 1}) {
		t.Fatalf("Get = %v %v %v", got, ok, err)
	}
	var keys []string
	s.ForEach(Versions, "/a ", func(k string, _ []byte) error { keys = append(keys, k); return nil })
	if len(keys) != 2 || keys[0] != "/a 1" || keys[1] != "/a 2" {
		t.Fatalf("ForEach prefix = %v", keys)
	}
	all, err := Load[rec](s, Versions)
	if err != nil || len(all) != 3 || all["/ab 1"].Name != "ab" {
		t.Fatalf("Load = %v %v", all, err)
	}
}

func TestDeletePrefixAndRollback(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Update(func(tx *Tx) error {
		for _, k := range []string{"/a 1", "/a 2", "/ab 1", "/b 1"} {
			tx.Put(Versions, k, rec{Name: k})
		}
		return nil
	})
	if err := s.Update(func(tx *Tx) error { return tx.DeletePrefix(Versions, "/a ") }); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err = s.Update(func(tx *Tx) error {
		tx.Delete(Versions, "/b 1")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update error = %v", err)
	}
	all, _ := Load[rec](s, Versions)
	if len(all) != 2 || all["/ab 1"] == nil || all["/b 1"] == nil {
		t.Fatalf("after DeletePrefix and a rolled back delete: %v", all)
	}
}

func TestCorruptFileIsRefused(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte("not a database, just text that is long enough to be read"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open(corrupt) = %v, want ErrCorrupt", err)
	}
}

func TestSecondOpenFailsWhileHeld(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s2, err := Open(dir); err == nil {
		s2.Close()
		t.Fatal("second Open of a held store succeeded")
	}
}
