package demo

import (
	"context"
	"fmt"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/notify"
)

// seedNotify registers the bank's webhook for incidents and its sensors
// (a reserved .example address: deliveries to it fail and are retried,
// which the outbox page shows).
func seedNotify(ctx context.Context, d Deps, sys auth.Principal, ids map[string]string) error {
	if d.Notify == nil {
		return nil
	}
	_, _, err := d.Notify.CreateWebhook(ctx, sys, notify.Webhook{OrgID: ids["demo-bank"], Name: "SOAR ngân hàng",
		URL: "https://soar.bank.example/hooks/khien", Kinds: []string{"incident.*", "sensor.*"}})
	if err != nil {
		return fmt.Errorf("demo webhook: %w", err)
	}
	return nil
}
