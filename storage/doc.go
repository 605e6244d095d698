// Package storage holds Vhod's persistent domain types, the repository interfaces the
// rest of the program uses, and the sentinel errors every backend maps its own errors to.
//
// It knows nothing of HTTP or OpenID Connect. The MongoDB backend lives in storage/mongo,
// the embedded MongoDB-compatible server in storage/embedded, and storagetest is the
// conformance suite that every backend must pass.
//
// Rules every backend follows, because the embedded server has no multi-document
// transactions, TTL indexes or partial indexes:
//   - one document is the unit of atomicity; preconditions are part of the update filter;
//   - uniqueness comes from unique indexes on fields that are always present
//     (identifiers are documents of their own, keyed "kind:value");
//   - expiry is checked on every read and swept periodically (DeleteExpired).
package storage
