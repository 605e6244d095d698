// Package idp holds the rules of the outside identity providers operators
// manage at run time (Госуслуги, Яндекс ID, VK ID, Сбер ID, any OpenID
// provider), for the admin API and the console alike: validation by
// connector's own rules (Config.Problems and a trial connector.New, errors by
// field), secrets that are only ever written (sealed at rest with a key
// derived from the master key, bound to the provider's ID; shown as set or not
// set), the audit event of each change, and a connector.Registry over the
// configuration file's providers and the stored ones.
//
// The providers of the configuration file (`identity_providers:`) are shown
// read-only beside the stored ones, as trust anchors of the files are: the
// file stays the one source of what it declares (deployments kept in git,
// secrets in files or the environment never copied into the database), and a
// stored provider cannot take a file provider's ID. This is how dex treats its
// static connectors and Keycloak its realm files imported at start only once:
// a provider that an operator edits in the console and that the next restart
// would silently rewrite is the surprise both avoid.
package idp
