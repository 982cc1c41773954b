package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/notify"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/store/storetest"
)

// BenchmarkNotifyClaimAndSettle measures the dispatcher's database work:
// one iteration claims a batch of 50 due deliveries and marks each sent
// (enqueueing them is not timed).
func BenchmarkNotifyClaimAndSettle(b *testing.B) {
	const batch = 50
	for _, e := range storetest.Engines(b) {
		b.Run(e.Name, func(b *testing.B) {
			db := storetest.Open(b, e)
			ctx := b.Context()
			o, err := db.CreateOrg(ctx, org.Org{Slug: "bench", Name: "Bench", Kind: org.KindEnterprise}, entry("org.create"))
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for b.Loop() {
				b.StopTimer()
				var ns []notify.Notice
				for range batch {
					x := ntNotice(notify.KindIncidentState, fmt.Sprintf("KH-%d", n), o.ID)
					x.Emails = []string{fmt.Sprintf("r%d@a.vn", n)}
					ns = append(ns, x)
					n++
				}
				if err := db.EnqueueForTest(ctx, ntT0, false, ns...); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				claimed, err := db.ClaimDeliveries(ctx, ntT0, []string{notify.ChannelEmail}, batch, time.Minute)
				if err != nil || len(claimed) != batch {
					b.Fatalf("claimed %d, %v", len(claimed), err)
				}
				for _, d := range claimed {
					if err := db.MarkSent(ctx, d.ID, d.Claim, ntT0); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(n), "µs/delivery")
		})
	}
}
