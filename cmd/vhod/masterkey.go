package main

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// masterKey reads the 32-byte master key from VHOD_MASTER_KEY (base64 or hex) or
// from the key file, creating the file (mode 0600) on first start.
func masterKey(file string) ([32]byte, error) {
	var key [32]byte
	if v, ok := os.LookupEnv("VHOD_MASTER_KEY"); ok {
		b, err := decodeKey(v)
		if err != nil {
			return key, fmt.Errorf("VHOD_MASTER_KEY: %w", err)
		}
		copy(key[:], b)
		if weakKey(key) {
			return key, errors.New("VHOD_MASTER_KEY is a placeholder (every byte the same); generate one: openssl rand -base64 32")
		}
		return key, nil
	}
	data, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		if _, err := rand.Read(key[:]); err != nil {
			return key, err
		}
		if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
			return key, fmt.Errorf("master_key_file: %w", err)
		}
		enc := base64.StdEncoding.EncodeToString(key[:]) + "\n"
		if err := os.WriteFile(file, []byte(enc), 0o600); err != nil {
			return key, fmt.Errorf("master_key_file: %w", err)
		}
		return key, nil
	}
	if err != nil {
		return key, fmt.Errorf("master_key_file: %w", err)
	}
	b, err := decodeKey(string(data))
	if err != nil {
		return key, fmt.Errorf("master_key_file %s: %w", file, err)
	}
	copy(key[:], b)
	if weakKey(key) {
		return key, fmt.Errorf("master_key_file %s is a placeholder (every byte the same); generate one: openssl rand -base64 32", file)
	}
	return key, nil
}

// weakKey refuses keys that look like placeholders: every byte the same (all zeros
// from a template, "AAAA…" in base64).
func weakKey(k [32]byte) bool {
	for _, b := range k[1:] {
		if b != k[0] {
			return false
		}
	}
	return true
}

func decodeKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	if b, err := hex.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	return nil, errors.New("must be 32 bytes, base64 or hex encoded")
}

// deriveKey makes an independent key for one purpose, so that no two uses share a key.
func deriveKey(master [32]byte, purpose string) [32]byte {
	var out [32]byte
	b, err := hkdf.Key(sha256.New, master[:], nil, "vhod "+purpose, 32)
	if err != nil {
		panic(err) // only for impossible lengths
	}
	copy(out[:], b)
	return out
}
