package store

import (
	"context"
	"testing"

	"github.com/yichuang/yichuang/app/vault"
)

// testKEK opens every test database's data key: a hall wrap whose key the
// tests hold, as a hall machine's hub would.
var testKEK, _ = vault.FromBytes([]byte("yichuang store tests' hall key.."))

// unlocked opens a test's database as a first sign-in (or pairing) does on
// a real machine: it makes the data key on a new database, and opens it
// on one made before (a restart).
func unlocked(t testing.TB, db *DB) *DB {
	t.Helper()
	if err := unlockForTest(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	return db
}

func unlockForTest(ctx context.Context, db *DB) error {
	keyed, err := db.Keyed(ctx)
	if err != nil {
		return err
	}
	if keyed {
		return db.UnlockWithHub(ctx, "test", testKEK.Bytes())
	}
	k := vault.New()
	return db.establish(ctx, k, hallWrap(k, testKEK, "test"))
}
