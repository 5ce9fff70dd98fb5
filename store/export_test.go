package store

import bolt "go.etcd.io/bbolt"

// SetSchemaForTest writes a schema version into a closed database file.
func SetSchemaForTest(path string, v uint64) error {
	b, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		return err
	}
	defer b.Close()
	return b.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keySchema, u64(v)) })
}
