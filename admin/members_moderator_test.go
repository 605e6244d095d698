package admin

import (
	"testing"

	"github.com/vhod-id/vhod/storage"
)

// Review finding 5: a moderator approves a join request through the API but
// gives no roles (the company's admin chooses them), and approves no request
// of their own.
func TestAPIModeratorApprovesWithoutRolesAndNotTheirOwn(t *testing.T) {
	s := newAPIServer(t)
	ctx := t.Context()
	for _, u := range []storage.User{{ID: "employee", Email: "employee@example.com"},
		{ID: "mod", Email: "mod@example.com", Authorities: []string{storage.AuthorityModerator}}} {
		if err := s.st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	o := s.want(s.call("ops", "POST", "/organisations", `{"name":"Ромашка","inn":"7728824599","kpp":"772801001"}`), 201, "create")
	id, _ := o["id"].(string)
	for _, who := range []string{"employee", "mod"} {
		if _, err := s.orgs.RequestJoin(ctx, who, id); err != nil {
			t.Fatal(err)
		}
	}
	s.want(s.call("mod", "POST", "/organisations/"+id+"/members/employee/approve", `{"roles":["org_admin"]}`), 403, "moderator's roles")
	s.want(s.call("mod", "POST", "/organisations/"+id+"/members/mod/approve", ""), 403, "own request")
	s.want(s.call("mod", "POST", "/organisations/"+id+"/members/mod/approve", `{"roles":["org_admin"]}`), 403, "own request with roles")
	for _, who := range []string{"employee", "mod"} {
		if m, err := s.st.MembershipByID(ctx, who, id); err != nil || m.Status != storage.MemberRequested || len(m.Approvals) != 0 {
			t.Fatalf("%s: %+v %v", who, m, err)
		}
	}
	// Without roles the moderator's approval stands (the defaults).
	m := s.want(s.call("mod", "POST", "/organisations/"+id+"/members/employee/approve", ""), 200, "moderator approves")
	if m["status"] != storage.MemberActive {
		t.Fatalf("member %+v", m)
	}
	// Another moderator (the operator) decides the moderator's request.
	s.want(s.call("ops", "POST", "/organisations/"+id+"/members/mod/approve", ""), 200, "operator approves the moderator")
}
