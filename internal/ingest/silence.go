package ingest

import (
	"context"
	"time"
)

// SilenceStore finds and flags sensors that stopped or resumed sending.
type SilenceStore interface {
	// SilentSensors returns enabled, not-yet-silent sensors that sent before
	// and whose last batch is older than their cadence at now.
	SilentSensors(ctx context.Context, now time.Time) ([]Sensor, error)
	// RecoveredSensors returns silent sensors that sent again.
	RecoveredSensors(ctx context.Context) ([]Sensor, error)
	// SetSilent flags or clears a sensor's silence; it reports whether it
	// changed the flag (so two processes raise one alert, not two).
	SetSilent(ctx context.Context, id string, silent bool, now time.Time) (bool, error)
}

// SilenceSink is told when a sensor falls silent or recovers (the alert
// service raises alerts to the duty coordinator and the sensor's owner).
type SilenceSink interface {
	SensorSilent(ctx context.Context, s Sensor, now time.Time) error
	SensorRecovered(ctx context.Context, s Sensor, now time.Time) error
}

// CheckSilence flags sensors silent longer than their cadence and clears
// those that came back, telling sink about each change once.
func CheckSilence(ctx context.Context, st SilenceStore, sink SilenceSink, now time.Time) error {
	silent, err := st.SilentSensors(ctx, now)
	if err != nil {
		return err
	}
	for _, s := range silent {
		changed, err := st.SetSilent(ctx, s.ID, true, now)
		if err != nil {
			return err
		}
		if changed {
			if err := sink.SensorSilent(ctx, s, now); err != nil {
				return err
			}
		}
	}
	back, err := st.RecoveredSensors(ctx)
	if err != nil {
		return err
	}
	for _, s := range back {
		changed, err := st.SetSilent(ctx, s.ID, false, now)
		if err != nil {
			return err
		}
		if changed {
			if err := sink.SensorRecovered(ctx, s, now); err != nil {
				return err
			}
		}
	}
	return nil
}

// WatchSilence runs CheckSilence every interval until ctx ends.
func WatchSilence(ctx context.Context, st SilenceStore, sink SilenceSink, every time.Duration, now func() time.Time, onErr func(error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := CheckSilence(ctx, st, sink, now().UTC()); err != nil && ctx.Err() == nil {
				onErr(err)
			}
		}
	}
}
