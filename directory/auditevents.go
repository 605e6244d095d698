package directory

// Event types recorded by pages that write their type as text (account's
// profile form, selfservice's activation), named here so that the audit log
// offers and names them too.
const (
	EventProfileChange = "profile.change"
	EventActivation    = "account.activation"
)

// EventTypes are all the audit event types, in the order audit.go declares
// them (then this file's): the console's audit log offers them as a filter and names each in
// words ("audit.event.<type>" in the locales). A test checks that the list
// holds every Event constant.
var EventTypes = []string{
	EventSignIn,
	EventConsent,
	EventLogout,
	EventBackchannelLogout,
	EventRefreshReuse,
	EventCodeReplay,
	EventRevocation,
	EventTokenExchanged,
	EventDeviceDecision,
	EventClientAuthFailed,
	EventPasswordChange,
	EventPasswordReset,
	EventRecoveryRequested,
	EventRecoveryUsed,
	EventRecoveryCompleted,
	EventAccountLocked,
	EventRegistration,
	EventAccountUnlocked,
	EventIdentifierChange,
	EventReauthRequired,
	EventReauth,
	EventChangeNotice,
	EventCertificateBound,
	EventCertificateUnbound,
	EventCertificateRefused,
	EventIdentityLinked,
	EventIdentityUnlinked,
	EventFederatedRefused,
	EventOrgRegistered,
	EventOrgApproved,
	EventOrgRejected,
	EventOrgSuspended,
	EventOrgReactivated,
	EventOrgChanged,
	EventJoinRequested,
	EventJoinApproved,
	EventJoinRejected,
	EventMembershipChanged,
	EventInvitationWithdrawn,
	EventOrgResubmitted,
	EventAccountantPIN,
	EventSystemRegistered,
	EventSystemChanged,
	EventSystemRemoved,
	EventCodeReissue,
	EventClientChanged,
	EventCatalogueChanged,
	EventUserChanged,
	EventKeyRotated,
	EventSessionRevoked,
	EventAnchorChanged,
	EventFactorEnrolled,
	EventFactorRemoved,
	EventFactorRenamed,
	EventFactorChecked,
	EventFactorLocked,
	EventRecoveryCodeUsed,
	EventRecoveryCodesIssued,
	EventFactorAlwaysAsk,
	EventOrgSignInPolicy,
	EventIdentityProviderCreated,
	EventIdentityProviderUpdated,
	EventIdentityProviderEnabled,
	EventIdentityProviderDeleted,
	EventFactorRequired,
	EventFactorsReset,
	EventProfileChange,
	EventActivation,
}
