// Package mongo is the MongoDB backend of storage. It runs unchanged on a MongoDB
// replica set and on the embedded FerretDB server, so it uses only what both offer:
// single-document updates with preconditions in the filter (made atomic on the
// embedded server by this process's locks, doclocks.go), unique indexes on
// always-present fields, and expiry checked on read (DeleteExpired sweeps the rest).
package mongo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"github.com/vhod-id/vhod/storage"
)

// Collection names.
const (
	colClients      = "clients"
	colUsers        = "users"
	colIdentifiers  = "identifiers"
	colAuthRequests = "auth_requests"
	colAccess       = "access_tokens"
	colRefresh      = "refresh_tokens"
	colSessions     = "sessions"
	colConsents     = "consents"
	colFlows        = "flows"
	colKeys         = "signing_keys"
	colMarkers      = "markers"
	colCounters     = "counters"
	colRevocations  = "revocations"
	colMeta         = "meta"
	colAudit        = "audit"
	colPasskeys     = "credentials" // WebAuthn passkeys, one document each
	colCeremonies   = "webauthn_ceremonies"
)

// Store is a storage.Store on one MongoDB database.
type Store struct {
	client *mongo.Client
	db     *mongo.Database
	// now is the clock used for expiry checks; tests never replace it.
	now func() time.Time
	// completed hands a just completed auth request to its callback (handoff.go).
	completed *handoff
	// issued hands the request whose code was just given out to its exchange (handoff.go).
	issued *handoff
	// groups batches concurrent inserts into one commit (groupcommit.go).
	groups groupCommit
	// locks serialise updates of one document on the embedded server (doclocks.go).
	locks *docLocks
}

var _ storage.Store = (*Store)(nil)

// Options tune Open.
type Options struct {
	// Monitor, when set, sees every command sent (tests count round trips with it).
	Monitor *event.CommandMonitor
	// Timeout bounds every operation; zero means 10 seconds.
	Timeout time.Duration
}

// Open connects to uri, uses database name, and makes sure the indexes exist.
func Open(ctx context.Context, uri, name string, o Options) (*Store, error) {
	timeout := o.Timeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	opts := options.Client().ApplyURI(uri).
		SetTimeout(timeout).
		SetServerSelectionTimeout(timeout).
		SetConnectTimeout(timeout).
		SetAppName("vhod")
	if o.Monitor != nil {
		opts.SetMonitor(o.Monitor)
	}
	c, err := mongo.Connect(opts)
	if err != nil {
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	s := &Store{client: c, db: c.Database(name), now: time.Now, completed: newHandoff(handoffTTL), issued: newHandoff(issuedTTL)}
	ferret, err := isFerretDB(ctx, s.db)
	if err == nil {
		s.locks = newDocLocks(ferret)
		err = s.ensureIndexes(ctx)
	}
	if err != nil {
		_ = c.Disconnect(context.WithoutCancel(ctx))
		return nil, err
	}
	return s, nil
}

// Close disconnects.
func (s *Store) Close(ctx context.Context) error { return s.client.Disconnect(ctx) }

// Ping answers whether the database is reachable.
func (s *Store) Ping(ctx context.Context) error {
	return s.db.RunCommand(ctx, bson.D{{Key: "ping", Value: 1}}).Err()
}

// DropDatabase removes the whole database; tests use it to clean up.
func (s *Store) DropDatabase(ctx context.Context) error { return s.db.Drop(ctx) }

func (s *Store) ensureIndexes(ctx context.Context) error {
	idx := []struct {
		col    string
		keys   bson.D
		unique bool
	}{
		{colIdentifiers, bson.D{{Key: "user_id", Value: 1}}, false},
		{colAuthRequests, bson.D{{Key: "expires_at", Value: 1}}, false},
		{colAccess, bson.D{{Key: "grant.family", Value: 1}}, false},
		{colAccess, bson.D{{Key: "grant.session_id", Value: 1}}, false},
		{colAccess, bson.D{{Key: "grant.subject", Value: 1}}, false},
		{colRefresh, bson.D{{Key: "grant.subject", Value: 1}}, false},
		{colAccess, bson.D{{Key: "expires_at", Value: 1}}, false},
		{colRefresh, bson.D{{Key: "grant.family", Value: 1}}, false},
		{colRefresh, bson.D{{Key: "grant.session_id", Value: 1}}, false},
		{colRefresh, bson.D{{Key: "expires_at", Value: 1}}, false},
		{colSessions, bson.D{{Key: "sid", Value: 1}}, true},
		{colSessions, bson.D{{Key: "user_id", Value: 1}}, false},
		{colSessions, bson.D{{Key: "expires_at", Value: 1}}, false},
		{colFlows, bson.D{{Key: "expires_at", Value: 1}}, false},
		{colPushed, bson.D{{Key: "expires_at", Value: 1}}, false},
		{colDevice, bson.D{{Key: "user_code", Value: 1}}, true},
		{colDevice, bson.D{{Key: "expires_at", Value: 1}}, false},
		{colAudit, bson.D{{Key: "time", Value: -1}}, false},
		{colAudit, bson.D{{Key: "user_id", Value: 1}, {Key: "time", Value: -1}}, false},
		{colOrgs, bson.D{{Key: "inn", Value: 1}}, false},
		// Lists page by _id within a filter (see listPage): the filter's field, then _id.
		{colOrgs, bson.D{{Key: "status", Value: 1}, {Key: "_id", Value: 1}}, false},
		{colOrgs, bson.D{{Key: "registered_by", Value: 1}}, false},
		{colOrgs, bson.D{{Key: "moderated_at", Value: -1}}, false},
		{colMemberships, bson.D{{Key: "user_id", Value: 1}}, false},
		{colMemberships, bson.D{{Key: "org_id", Value: 1}, {Key: "_id", Value: 1}}, false},
		{colMemberships, bson.D{{Key: "status", Value: 1}, {Key: "_id", Value: 1}}, false},
		{colOutbox, bson.D{{Key: "state", Value: 1}, {Key: "next_at", Value: 1}}, false},
		{colOutbox, bson.D{{Key: "expires_at", Value: 1}}, false},
		{colPasskeys, bson.D{{Key: "user_id", Value: 1}}, false},
		{colCeremonies, bson.D{{Key: "expires_at", Value: 1}}, false},
	}
	for _, i := range idx {
		m := mongo.IndexModel{Keys: i.keys, Options: options.Index().SetUnique(i.unique)}
		if _, err := s.db.Collection(i.col).Indexes().CreateOne(ctx, m); err != nil {
			return fmt.Errorf("create index on %s: %w", i.col, err)
		}
	}
	return nil
}

// mapErr turns driver errors into storage sentinels.
func mapErr(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, mongo.ErrNoDocuments):
		return fmt.Errorf("%s: %w", op, storage.ErrNotFound)
	case mongo.IsDuplicateKeyError(err):
		return fmt.Errorf("%s: %w", op, storage.ErrAlreadyExists)
	case unavailable(err):
		return fmt.Errorf("%s: %w: %w", op, storage.ErrUnavailable, err)
	default:
		return fmt.Errorf("%s: %w", op, err)
	}
}

// unavailable tells database outages (no server, lost connection, time-out) from
// answers the database gave.
func unavailable(err error) bool {
	var sel topology.ServerSelectionError
	return mongo.IsNetworkError(err) || mongo.IsTimeout(err) || errors.As(err, &sel) ||
		errors.Is(err, context.DeadlineExceeded)
}

// notExpired is the filter part that hides expired documents.
func (s *Store) notExpired() bson.E {
	return bson.E{Key: "expires_at", Value: bson.M{"$gt": s.now()}}
}

func (s *Store) findOne(ctx context.Context, col, op string, filter any, out any) error {
	return mapErr(op, s.db.Collection(col).FindOne(ctx, filter).Decode(out))
}

func (s *Store) deleteByID(ctx context.Context, col, op, id string) error {
	_, err := s.db.Collection(col).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	return mapErr(op, err)
}

// insert adds one document; concurrent inserts into col share a commit (groupcommit.go).
func (s *Store) insert(ctx context.Context, col, op string, doc any) error {
	return mapErr(op, s.insertOne(ctx, col, doc))
}

// DeleteExpired sweeps every collection with an expiry.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	var total int64
	for _, col := range []string{colAuthRequests, colAccess, colRefresh, colSessions, colFlows, colMarkers, colCounters, colRevocations, colPushed, colDevice, colOutbox, colCeremonies} {
		before := now
		if col == colAuthRequests {
			before = now.Add(-storage.AuthRequestKept)
		}
		r, err := s.db.Collection(col).DeleteMany(ctx, bson.D{{Key: "expires_at", Value: bson.M{"$lte": before}}})
		if err != nil {
			return total, mapErr("sweep "+col, err)
		}
		total += r.DeletedCount
	}
	return total, nil
}
