package directory

import (
	"context"
	"strings"

	"github.com/vhod-id/vhod/storage"
)

// Decisions on a join request (DecideJoin).
const (
	JoinApprove = "approve"
	JoinReject  = "reject"
)

// DecideJoin approves or rejects userID's request to join org as by, acting
// as an org admin or a moderator (ApproverOrgAdmin, ApproverModerator): the
// decision is audited and the person is mailed (an approval once the join
// policy lets them in). The company's page and the moderation queue both
// decide here. It returns "approved" or "rejected"; storage.ErrNotFound for
// any other decision, ErrNotPending when nothing waits.
func (o *Orgs) DecideJoin(ctx context.Context, userID string, org storage.Organisation, by Actor, as, decision, reason string) (string, error) {
	switch decision {
	case JoinApprove:
		done, err := o.ApproveJoin(ctx, userID, org.ID, by.ID, as)
		if err != nil {
			return "", err
		}
		e := by.event(EventJoinApproved, map[string]string{"as": as, "active": map[bool]string{true: "yes", false: "no"}[done]})
		e.UserID, e.OrgID = userID, org.ID
		o.audit.Record(ctx, e)
		if done {
			o.notifier.Mail(ctx, userID, by.Lang, "mail.join_approved", "Company", org.Name, "Reason", "")
		}
		return "approved", nil
	case JoinReject:
		reason = strings.TrimSpace(reason)
		if err := o.RejectJoin(ctx, userID, org.ID, reason); err != nil {
			return "", err
		}
		e := by.event(EventJoinRejected, map[string]string{"as": as, "reason": reason})
		e.UserID, e.OrgID = userID, org.ID
		o.audit.Record(ctx, e)
		o.notifier.Mail(ctx, userID, by.Lang, "mail.join_rejected", "Company", org.Name, "Reason", reason)
		return "rejected", nil
	}
	return "", storage.ErrNotFound
}
