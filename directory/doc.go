// Package directory holds the rules about people: how a typed login maps to an
// identifier, how passwords are hashed and checked, how accounts are created and
// authenticated. It knows nothing of HTTP, templates or OpenID Connect; it stores
// through the storage package.
package directory
