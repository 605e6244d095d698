// Package storagetest is the conformance suite every storage backend must pass.
// Each sub-test gets a fresh, empty store, so that tests cannot lean on each other.
package storagetest

import (
	"errors"
	"testing"

	"github.com/vhod-id/vhod/storage"
)

// Run runs the whole suite against stores made by newStore.
func Run(t *testing.T, newStore func(t *testing.T) storage.Store) {
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, s storage.Store)
	}{
		{"ClientCreateUpdate", testClientCreateUpdate},
		{"ClientUpdateClearsOptional", testClientUpdateClearsOptional},
		{"UserIdentifiersUnique", testUserIdentifiersUnique},
		{"Certificates", testCertificates},
		{"Links", testLinks},
		{"TrustAnchors", testTrustAnchors},
		{"IdentityProviders", testIdentityProviders},
		{"Organisations", testOrganisations},
		{"OrganisationResubmit", testOrganisationResubmit},
		{"OrganisationAddresses", testOrganisationAddresses},
		{"OrganisationPages", testOrganisationPages},
		{"SortedPages", testSortedPages},
		{"OrganisationFilters", testOrganisationFilters},
		{"Memberships", testMemberships},
		{"MembershipPages", testMembershipPages},
		{"RoleCatalogues", testRoleCatalogues},
		{"ConcurrentMembershipUpdate", testConcurrentMembershipUpdate},
		{"UserListAndDelete", testUserListAndDelete},
		{"UserPassword", testUserPassword},
		{"RecoveryPassword", testRecoveryPassword},
		{"TOTP", testTOTP},
		{"RecoveryCodes", testRecoveryCodes},
		{"Passkeys", testPasskeys},
		{"Ceremonies", testCeremonies},
		{"ChangeIdentifier", testChangeIdentifier},
		{"AuthRequestLifecycle", testAuthRequestLifecycle},
		{"AuthCodeSingleUse", testAuthCodeSingleUse},
		{"AuthCodeIssuedOnce", testAuthCodeIssuedOnce},
		{"AuthCodeOfDeletedRequest", testAuthCodeOfDeletedRequest},
		{"AuthRequestExpiry", testAuthRequestExpiry},
		{"RefreshTokenSingleUse", testRefreshSingleUse},
		{"TokenFamilyRevocation", testFamilyRevocation},
		{"SessionTokensRevocation", testSessionTokensRevocation},
		{"Sessions", testSessions},
		{"UserTokensAndSessions", testUserTokensAndSessions},
		{"Consents", testConsents},
		{"FlowSaveConflict", testFlowConflict},
		{"FlowExpiry", testFlowExpiry},
		{"KeySlotsUnique", testKeySlots},
		{"DeleteExpired", testDeleteExpired},
		{"ConcurrentCodeRedemption", testConcurrentRedeem},
		{"ConcurrentCodeIssue", testConcurrentCodeIssue},
		{"ConcurrentRefreshUse", testConcurrentRefresh},
		{"RefreshRotation", testRefreshRotation},
		{"ConcurrentRefreshRotation", testConcurrentRefreshRotation},
		{"ConcurrentFlowSave", testConcurrentFlowSave},
		{"ConcurrentCompletion", testConcurrentCompletion},
		{"CounterWindows", testCounters},
		{"CounterSets", testCounterSets},
		{"CountersConcurrentHits", testCountersConcurrentHits},
		{"ConcurrentUserWrites", testConcurrentUserWrites},
		{"ConcurrentSessionClients", testConcurrentSessionClients},
		{"LeaseOnePerSlot", testLeases},
		{"Revocations", testRevocations},
		{"ConcurrentRevocation", testConcurrentRevoke},
		{"ClientsVersion", testClientsVersion},
		{"AuditAppendAndQuery", testAudit},
		{"ClaimOnce", testClaimOnce},
		{"PushedRequestSingleUse", testPushedRequests},
		{"DeviceAuthorizationDecidedOnce", testDeviceAuthorizations},
		{"OutboxLifecycle", testOutbox},
		{"ConcurrentOutboxClaims", testConcurrentOutboxClaims},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newStore(t)) })
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("got error %v, want %v", err, want)
	}
}
