package app

import (
	"context"
	"time"

	"github.com/khien-cert/khien/internal/alliance"
)

// allianceSweepEvery is how often responders still mobilised to closed
// incidents are released.
const allianceSweepEvery = 30 * time.Second

// openAlliance builds the responder alliance and mobilisation service.
func (a *App) openAlliance() {
	a.Alliance = alliance.New(alliance.Deps{Store: a.DB, Now: a.now, Logger: a.Log.With("service", "alliance")})
}

// allianceBackground releases responders of closed incidents.
func (a *App) allianceBackground(ctx context.Context, run func(func())) {
	if a.Alliance != nil {
		run(func() { a.Alliance.Sweep(ctx, allianceSweepEvery) })
	}
}
