package clientaddr

import (
	"context"
	"log/slog"
)

// LogKey names the client address in log lines.
const LogKey = "client_ip"

// LogHandler adds the client address to every log line written with a request's
// context, so that a line can be tied to whoever caused it without each call
// site remembering to.
func LogHandler(h slog.Handler) slog.Handler { return logHandler{h} }

type logHandler struct{ slog.Handler }

func (l logHandler) Handle(ctx context.Context, r slog.Record) error {
	if a := FromContext(ctx); a != "" {
		r.AddAttrs(slog.String(LogKey, a))
	}
	return l.Handler.Handle(ctx, r)
}

func (l logHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return logHandler{l.Handler.WithAttrs(as)}
}

func (l logHandler) WithGroup(name string) slog.Handler {
	return logHandler{l.Handler.WithGroup(name)}
}
