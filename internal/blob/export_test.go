package blob

import "time"

// SetNow sets the clock a Disk stamps upload sessions and refreshed blobs
// with (tests only).
func SetNow(d *Disk, now func() time.Time) { d.now = now }
