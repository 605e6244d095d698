package orgs

import (
	"context"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// Decisions on a join request (DecideJoin).
const (
	JoinApprove = "approve"
	JoinReject  = "reject"
)

// DecideJoin approves or rejects userID's request to join org as by, acting
// as an org admin or a moderator (ApproverOrgAdmin, ApproverModerator), for
// the pages that take the decision as a word. ApproveJoin and RejectJoin audit
// it and mail the person, whoever calls them. It returns "approved" or
// "rejected"; storage.ErrNotFound for any other decision, ErrNotPending when
// nothing waits.
func (o *Service) DecideJoin(ctx context.Context, userID string, org storage.Organisation, by directory.Actor, as, decision, reason string, roles []string) (string, error) {
	switch decision {
	case JoinApprove:
		if _, err := o.ApproveJoin(ctx, userID, org.ID, by, as, roles); err != nil {
			return "", err
		}
		return "approved", nil
	case JoinReject:
		if err := o.RejectJoin(ctx, userID, org.ID, by, as, reason); err != nil {
			return "", err
		}
		return "rejected", nil
	}
	return "", storage.ErrNotFound
}
