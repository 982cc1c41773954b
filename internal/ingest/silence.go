package ingest

import (
	"context"
	"strconv"
	"time"

	"github.com/khien-cert/khien/internal/notify"
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

// SilenceNotice is what the owning organisation's 24×7 duty contacts are
// told, in the transaction that flags a sensor silent (silent true) or
// clears the flag when it sends again: the sensor's name, when it last sent,
// and a link to its page. Times are written in Vietnam's time zone, as the
// UI shows them.
func SilenceNotice(s Sensor, silent bool, now time.Time) notify.Notice {
	zone, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		zone = time.FixedZone("ICT", 7*3600)
	}
	lastVI, lastEN := "chưa từng gửi", "never"
	if !s.LastSeen.IsZero() {
		lastVI = s.LastSeen.In(zone).Format("15:04 02/01/2006") + " (GMT+7)"
		lastEN = lastVI
	}
	mins := strconv.Itoa(int(s.Cadence / time.Minute))
	n := notify.Notice{Kind: notify.KindSensorSilent, OrgID: s.OrgID, Contacts: []string{"duty-24x7"},
		Link: "/sensors/" + s.ID,
		Data: map[string]any{"sensor_id": s.ID, "sensor": s.Name, "last_seen": s.LastSeen.UTC(), "at": now.UTC()}}
	if silent {
		n.Text = map[string]notify.Text{
			"vi": {Subject: "Cảm biến " + s.Name + " đã ngừng gửi dữ liệu",
				Body: "Cảm biến " + s.Name + " không gửi dữ liệu lâu hơn chu kỳ dự kiến (" + mins + " phút).\nLần gửi cuối: " + lastVI + "."},
			"en": {Subject: "Sensor " + s.Name + " has gone silent",
				Body: "Sensor " + s.Name + " has sent nothing for longer than its expected cadence (" + mins + " minutes).\nLast seen: " + lastEN + "."},
		}
		return n
	}
	n.Kind = notify.KindSensorResumed
	n.Text = map[string]notify.Text{
		"vi": {Subject: "Cảm biến " + s.Name + " đã gửi dữ liệu trở lại",
			Body: "Cảm biến " + s.Name + " đã gửi dữ liệu trở lại.\nLần gửi cuối: " + lastVI + "."},
		"en": {Subject: "Sensor " + s.Name + " is sending again",
			Body: "Sensor " + s.Name + " is sending again.\nLast seen: " + lastEN + "."},
	}
	return n
}
