package app

import (
	"context"
	"time"

	"github.com/khien-cert/khien/internal/notify"
	"github.com/khien-cert/khien/internal/notify/hook"
	"github.com/khien-cert/khien/internal/notify/mailer"
)

// openNotify builds the notification service and the dispatcher that
// delivers the outbox: webhooks always, e-mail when an SMTP server is
// configured (without one, e-mail deliveries wait and the outbox page says
// so). Every commit that enqueued deliveries wakes the dispatcher.
func (a *App) openNotify() error {
	c := a.Config
	senders := map[string]notify.Sender{
		notify.ChannelWebhook: hook.New(hook.Config{AllowHTTP: c.WebhookAllowHTTP, Timeout: 10 * time.Second, Now: a.now}),
	}
	if c.SMTP.Configured() {
		m, err := mailer.New(mailer.Config{Host: c.SMTP.Host, Port: c.SMTP.Port, Username: c.SMTP.Username,
			Password: c.SMTP.Password, From: c.SMTP.From, TLS: c.SMTP.TLS, BaseURL: c.BaseURL})
		if err != nil {
			return err
		}
		senders[notify.ChannelEmail] = m
	} else {
		a.Log.Info("no SMTP server configured: notification e-mail waits in the outbox (set --smtp-host)")
	}
	a.Dispatcher = notify.NewDispatcher(notify.DispatcherDeps{Store: a.DB, Senders: senders, Now: a.now,
		Logger: a.Log.With("worker", "notify")})
	a.Notify = notify.New(notify.Deps{Store: a.DB, Now: a.now, Logger: a.Log, Wake: a.Dispatcher.Wake,
		AllowHTTP: c.WebhookAllowHTTP, EmailReady: c.SMTP.Configured()})
	a.DB.OnNotify(a.Dispatcher.Wake)
	return nil
}

// notifyBackground runs the dispatcher until ctx ends.
func (a *App) notifyBackground(ctx context.Context, run func(func())) {
	if a.Dispatcher != nil {
		run(func() { a.Dispatcher.Run(ctx) })
	}
}
