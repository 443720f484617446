package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/safezones/safezones/boundary"
	"github.com/safezones/safezones/httpapi"
	"github.com/safezones/safezones/sqlite"
)

// wireNotifications serves deconfliction (notifications, checks, the
// accountability report) from db, with the shipped boundaries for the
// pre-sharing area check, and sweeps deadlines once a minute until ctx
// ends: reminders at half time, escalations when overdue.
func wireNotifications(ctx context.Context, srv *httpapi.Server, db *sqlite.DB, log *slog.Logger) error {
	b, err := boundary.Syria()
	if err != nil {
		return err
	}
	srv.Notifications, srv.Boundaries = db, b
	go notificationLoop(ctx, db, log, time.Minute)
	return nil
}

func notificationLoop(ctx context.Context, db *sqlite.DB, log *slog.Logger, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		alerts, err := db.SweepNotifications(ctx, time.Now())
		if err != nil && ctx.Err() == nil {
			log.Error("sweep notification deadlines", "err", err)
		}
		for _, a := range alerts {
			log.Warn("notification unanswered", "kind", a.Kind, "notification_id", a.NotificationID, "version", a.Version, "party", a.PartyID, "due_at", a.DueAt)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
