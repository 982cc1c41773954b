package evidence_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/evidence"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/store"
)

// The crash test runs uploads in a child process — this test binary run
// again with crashEnv naming the data directory — and kills it with SIGKILL
// (os.Process.Kill) at a random moment, several times over the same vault.
// After each kill it opens the vault as a restarted server would and
// requires: every item's content re-hashes to what the item claims and every
// custody chain verifies (Reverify), and upload sessions never count bytes
// they do not hold. A later child resumes the sessions its predecessor left.
const crashEnv = "KHIEN_EVIDENCE_CRASH_CHILD"

// cast is who the child works as.
type cast struct {
	CaseID, UserID, Email string
}

func (c cast) principal() auth.Principal {
	return auth.Principal{UserID: c.UserID, Email: c.Email, Role: auth.RoleInvestigator}
}

// openVault opens the database and vault in dir as the server would.
func openVault(t testing.TB, dir string) (*evidence.Service, *store.DB, func()) {
	t.Helper()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	signer, _, err := audit.LoadOrCreateKey(root, audit.KeyName)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), filepath.Join(dir, "khien.db"), store.Options{Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := evidence.Open(root, evidence.Deps{Store: db})
	if err != nil {
		t.Fatal(err)
	}
	return svc, db, func() { svc.Close(); db.Close() }
}

// content is the deterministic content of seed, so a resumed upload can
// send the rest of what its killed predecessor began.
func content(seed uint64) []byte {
	rng := mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, 256<<10+rng.IntN(1<<20))
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// finishUploads resumes and commits every session p left.
func finishUploads(ctx context.Context, svc *evidence.Service, p auth.Principal) (int, error) {
	us, err := svc.Uploads(ctx, p)
	if err != nil {
		return 0, err
	}
	for _, u := range us {
		seed, _ := strconv.ParseUint(strings.TrimPrefix(u.Metadata.Description, "seed="), 10, 64)
		b := content(seed)
		if u.Received < int64(len(b)) {
			if _, err := svc.AppendUpload(ctx, p, u.ID, u.Received, bytes.NewReader(b[u.Received:])); err != nil {
				return 0, err
			}
		}
		if _, err := svc.CommitUpload(ctx, p, u.ID); err != nil {
			return 0, err
		}
	}
	return len(us), nil
}

// TestCrashChild is the child: it resumes what was left, says "ready" and
// adds items until it is killed.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashEnv)
	if dir == "" {
		t.Skip("runs only as the child of TestKillDuringUpload")
	}
	var c cast
	b, _ := os.ReadFile(filepath.Join(dir, "cast.json"))
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	svc, _, closeAll := openVault(t, dir)
	defer closeAll()
	ctx, p := context.Background(), c.principal()
	if _, err := finishUploads(ctx, svc, p); err != nil {
		t.Fatal(err)
	}
	fmt.Println("ready")
	for i := uint64(time.Now().UnixNano()); ; i++ {
		b := content(i)
		m := meta("dump-" + strconv.FormatUint(i, 10) + ".bin")
		m.Description, m.SuppliedHash = "seed="+strconv.FormatUint(i, 10), hexSHA256(b)
		if i%2 == 0 {
			if _, err := svc.Add(ctx, p, c.CaseID, m, evidence.Note{Reason: "crash test"}, bytes.NewReader(b)); err != nil {
				t.Fatal(err)
			}
			continue
		}
		u, err := svc.StartUpload(ctx, p, c.CaseID, m, evidence.Note{Reason: "crash test"}, int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		for off := int64(0); off < int64(len(b)); off += 64 << 10 {
			if _, err := svc.AppendUpload(ctx, p, u.ID, off, bytes.NewReader(b[off:min(off+64<<10, int64(len(b)))])); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := svc.CommitUpload(ctx, p, u.ID); err != nil {
			t.Fatal(err)
		}
	}
}

func TestKillDuringUpload(t *testing.T) {
	if os.Getenv(crashEnv) != "" {
		t.Skip("this is the child")
	}
	dir := t.TempDir()
	c := setUpCrashVault(t, dir)
	rounds := 6
	if testing.Short() {
		rounds = 2
	}
	rng := mrand.New(mrand.NewPCG(uint64(time.Now().UnixNano()), 1))
	var items, resumed int
	for round := range rounds {
		killChild(t, dir, time.Duration(20+rng.IntN(300))*time.Millisecond)
		svc, db, closeAll := openVault(t, dir)
		rep, err := svc.Reverify(t.Context())
		if err != nil || !rep.OK() {
			t.Fatalf("round %d: after kill -9 the vault does not verify: %+v %v", round, rep.Failures, err)
		}
		us, err := svc.Uploads(t.Context(), c.principal())
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range us {
			if u.Received < 0 || u.Received > u.Size {
				t.Fatalf("round %d: upload %s claims %d of %d bytes", round, u.ID, u.Received, u.Size)
			}
		}
		resumed += len(us)
		all, _ := db.AllEvidence(t.Context())
		if len(all) < items {
			t.Fatalf("round %d: items went from %d to %d", round, items, len(all))
		}
		items = len(all)
		closeAll()
	}
	svc, db, closeAll := openVault(t, dir)
	defer closeAll()
	if _, err := finishUploads(t.Context(), svc, c.principal()); err != nil {
		t.Fatal(err)
	}
	rep, err := svc.Reverify(t.Context())
	if err != nil || !rep.OK() {
		t.Fatalf("final vault: %+v %v", rep.Failures, err)
	}
	root, _ := os.OpenRoot(dir)
	_, v, _ := audit.LoadOrCreateKey(root, audit.KeyName)
	root.Close()
	if ar, err := audit.Verify(t.Context(), db.AuditSource(), v); err != nil || !ar.OK {
		t.Fatalf("audit log after the crashes: %+v %v", ar, err)
	}
	t.Logf("%d kills; %d items verified; %d upload sessions found open after a kill and resumed", rounds, rep.Items, resumed)
}

// setUpCrashVault creates the organisation, user and case the children use.
func setUpCrashVault(t *testing.T, dir string) cast {
	t.Helper()
	svc, db, closeAll := openVault(t, dir)
	defer closeAll()
	ctx := t.Context()
	o, err := db.CreateOrg(ctx, org.Org{Slug: "bo-a", Name: "Bộ A", Kind: org.KindMinistry}, audit.New(auth.System(), "org.create", "organisation", "", ""))
	if err != nil {
		t.Fatal(err)
	}
	u, err := db.CreateUser(ctx, auth.System(), auth.User{Email: "inv@cert.vn", Name: "inv", Role: auth.RoleInvestigator, Language: "vi"}, "x")
	if err != nil {
		t.Fatal(err)
	}
	k, err := svc.OpenCase(ctx, auth.System(), evidence.Case{OrgID: o.ID, Reference: "CRASH-1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Assign(ctx, auth.System(), k.ID, u.ID, evidence.CaseInvestigator); err != nil {
		t.Fatal(err)
	}
	c := cast{CaseID: k.ID, UserID: u.ID, Email: u.Email}
	b, _ := json.Marshal(c)
	if err := os.WriteFile(filepath.Join(dir, "cast.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	return c
}

// killChild starts a child, waits until it is working, lets it run for d
// and kills it with SIGKILL.
func killChild(t *testing.T, dir string, d time.Duration) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.v")
	cmd.Env = append(os.Environ(), crashEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready, done := make(chan struct{}), make(chan struct{})
	var tail strings.Builder // the child's output, read once done is closed
	go func() {
		defer close(done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if sc.Text() == "ready" {
				close(ready)
			}
			tail.WriteString(sc.Text() + "\n")
		}
	}()
	failed := func(why string) {
		cmd.Process.Kill()
		cmd.Wait()
		<-done
		t.Fatalf("%s:\n%s%s", why, tail.String(), stderr.String())
	}
	select {
	case <-ready:
	case <-done:
		failed("the child ended before it was ready")
	case <-time.After(60 * time.Second):
		failed("the child never got ready")
	}
	select {
	case <-time.After(d):
	case <-done:
		failed("the child ended by itself")
	}
	if err := cmd.Process.Kill(); err != nil {
		failed(err.Error())
	}
	cmd.Wait()
	<-done
}
