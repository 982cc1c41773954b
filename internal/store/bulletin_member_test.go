package store_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/blob"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/portal"
	"github.com/khien-cert/khien/internal/store/storetest"
)

// bulletinPNG is a real PNG of w×h pixels.
func bulletinPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	m.Set(0, 0, color.RGBA{R: 255, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func blobCount(t *testing.T, st blob.Store) int {
	t.Helper()
	n := 0
	if err := st.Walk(t.Context(), func(blob.Info) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func fieldCodes(err error) map[string]string {
	out := map[string]string{}
	if e, ok := err.(*errs.Error); ok {
		for _, f := range e.Fields {
			out[f.Field] = f.Code
		}
	}
	return out
}

// TestMemberBulletins: an alliance member's administrator publishes on
// behalf of their member only, with pictures; the publisher's name is
// read back; another member's administrator neither sees nor edits it
// (not found); an administrator of an organisation that is not an
// alliance member is refused; coordinators choose among the coordinating
// body and the members; a bad picture stores nothing; pictures are kept,
// described again and removed on edit; every change is audited under the
// publisher.
func TestMemberBulletins(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := t.Context()
		s, clock, images := newBulletinPortal(t, db)
		now := clock.now()
		mk := func(slug, name string, kind org.Kind) org.Org {
			o, err := db.CreateOrg(ctx, org.Org{Slug: slug, Name: name, Kind: kind}, entry("org.create"))
			if err != nil {
				t.Fatal(err)
			}
			return o
		}
		memberA := mk("an-ninh-a", "Công ty An ninh A", org.KindAllianceMember)
		memberB := mk("an-ninh-b", "Công ty An ninh B", org.KindAllianceMember)
		bank := mk("ngan-hang", "Ngân hàng C", org.KindEnterprise)
		adminA := auth.Principal{UserID: "u-a", Email: "a@a.example", Role: auth.RoleConstituentAdmin, Orgs: []string{memberA.ID}}
		adminB := auth.Principal{UserID: "u-b", Email: "b@b.example", Role: auth.RoleConstituentAdmin, Orgs: []string{memberB.ID}}
		adminBank := auth.Principal{UserID: "u-c", Email: "c@c.example", Role: auth.RoleConstituentAdmin, Orgs: []string{bank.ID}}
		analystA := auth.Principal{UserID: "u-d", Email: "d@a.example", Role: auth.RoleConstituentAnalyst, Orgs: []string{memberA.ID}}

		pic := bulletinPNG(t, 40, 30)
		in := bulletinIn(1, now.Add(-time.Hour))
		in.Images = []portal.BulletinImageInput{{Data: pic, AltVI: "Ảnh tin nhắn giả", AltEN: "A fake message"}}
		b, err := s.CreateBulletin(ctx, adminA, in) // OrgID "": the only member adminA may publish for
		if err != nil {
			t.Fatal(err)
		}
		if b.OrgID != memberA.ID || b.Publisher != "Công ty An ninh A" || len(b.Images) != 1 {
			t.Fatalf("created %+v", b)
		}
		im := b.Images[0]
		if im.Type != "image/png" || im.Width != 40 || im.Height != 30 || im.Size != int64(len(pic)) || len(im.SHA256) != 64 {
			t.Errorf("picture %+v", im)
		}
		pub, err := s.PublicBulletin(ctx, b.ID)
		if err != nil || pub.Publisher != "Công ty An ninh A" || len(pub.Images) != 1 || pub.Images[0] != im {
			t.Fatalf("public read %+v %v", pub, err)
		}
		got, rc, err := s.PublicBulletinImage(ctx, b.ID, im.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(rc)
		rc.Close()
		if got.Type != "image/png" || !bytes.Equal(data, pic) {
			t.Errorf("served picture %+v, %d bytes", got, len(data))
		}
		if _, _, err := s.PublicBulletinImage(ctx, b.ID, strings.Repeat("0", 64)); !errs.Is(err, errs.KindNotFound) {
			t.Errorf("a picture the bulletin lacks: %v", err)
		}
		list, err := s.PublicBulletins(ctx, "", page.Request{})
		if err != nil || len(list.Items) != 1 || list.Items[0].Publisher != "Công ty An ninh A" || len(list.Items[0].Images) != 1 {
			t.Fatalf("public list %+v %v", list.Items, err)
		}

		// Another member: not found, whatever it tries.
		if _, err := s.StaffBulletin(ctx, adminB, b.ID); !errs.Is(err, errs.KindNotFound) {
			t.Errorf("member B reads A's bulletin: %v", err)
		}
		if _, err := s.UpdateBulletin(ctx, adminB, b.ID, 1, bulletinIn(2, now)); !errs.Is(err, errs.KindNotFound) {
			t.Errorf("member B edits A's bulletin: %v", err)
		}
		if res, err := s.StaffBulletins(ctx, adminB, page.Request{}); err != nil || len(res.Items) != 0 {
			t.Errorf("member B's list: %+v %v", res.Items, err)
		}
		// Member A may not publish for B, nor B for A.
		other := bulletinIn(3, now)
		other.OrgID = memberB.ID
		if _, err := s.CreateBulletin(ctx, adminA, other); fieldCodes(err)["org_id"] != "portal.bad_publisher" {
			t.Errorf("A publishes for B: %v", err)
		}
		// Not an alliance member, or not an administrator: refused.
		if _, err := s.CreateBulletin(ctx, adminBank, bulletinIn(4, now)); !errs.Is(err, errs.KindForbidden) {
			t.Errorf("a bank publishes: %v", err)
		}
		if _, err := s.CreateBulletin(ctx, analystA, bulletinIn(5, now)); !errs.Is(err, errs.KindForbidden) {
			t.Errorf("an analyst publishes: %v", err)
		}

		// Coordinators choose; they may publish for the coordinating body
		// and for any member, never for the bank.
		pubs, err := s.Publishers(ctx, reviewerA)
		if err != nil || len(pubs) != 3 || slices.ContainsFunc(pubs, func(p portal.Publisher) bool { return p.ID == bank.ID }) {
			t.Fatalf("coordinator's publishers %+v %v", pubs, err)
		}
		if _, err := s.CreateBulletin(ctx, reviewerA, bulletinIn(6, now)); fieldCodes(err)["org_id"] != "portal.bad_publisher" {
			t.Errorf("a coordinator without a publisher: %v", err)
		}
		forB := bulletinIn(7, now)
		forB.OrgID = memberB.ID
		bb, err := s.CreateBulletin(ctx, reviewerA, forB)
		if err != nil || bb.Publisher != "Công ty An ninh B" {
			t.Fatalf("coordinator for B: %+v %v", bb, err)
		}
		forB.OrgID = bank.ID
		if _, err := s.CreateBulletin(ctx, reviewerA, forB); fieldCodes(err)["org_id"] != "portal.bad_publisher" {
			t.Errorf("coordinator for the bank: %v", err)
		}
		if res, err := s.StaffBulletins(ctx, adminB, page.Request{}); err != nil || len(res.Items) != 1 || res.Items[0].ID != bb.ID {
			t.Errorf("member B's list after the coordinator wrote for it: %+v %v", res.Items, err)
		}

		// Bad pictures: named beside their slot, nothing stored.
		before, blobs := auditActions(t, db), blobCount(t, images)
		bad := bulletinIn(8, now)
		bad.Images = []portal.BulletinImageInput{
			{Data: []byte("<svg onload=alert(1)>"), AltVI: "x", AltEN: "x"},
			{Data: bulletinPNG(t, 8001, 1), AltVI: "x", AltEN: "x"},
			{Data: pic, AltVI: "có mô tả"},
			{Data: append([]byte("\x89PNG\r\n\x1a\n"), 0, 0, 0, 13, 'I', 'H'), AltVI: "x", AltEN: "x"},
		}
		_, err = s.CreateBulletin(ctx, adminA, bad)
		codes := fieldCodes(err)
		if codes["image1"] != portal.CodeImageType || codes["image2"] != portal.CodeImageSize || codes["image3_alt_en"] != "portal.text_required" ||
			codes["image4"] != portal.CodeImageBroken {
			t.Errorf("bad pictures: %v (%v)", codes, err)
		}
		bad.Images = append(bad.Images[2:3], bad.Images[2], bad.Images[2], bad.Images[2], bad.Images[2])
		if _, err := s.CreateBulletin(ctx, adminA, bad); fieldCodes(err)["image5"] != portal.CodeImageTooMany {
			t.Errorf("five pictures: %v", err)
		}
		if after := auditActions(t, db); len(after) != len(before) || blobCount(t, images) != blobs {
			t.Errorf("a refused bulletin changed something: audit %d→%d, blobs %d→%d", len(before), len(after), blobs, blobCount(t, images))
		}

		// Editing: keep the picture with new words, add one, then remove the first.
		pic2 := bulletinPNG(t, 12, 12)
		edit := bulletinIn(1, now.Add(-time.Hour))
		edit.Images = []portal.BulletinImageInput{{Keep: im.SHA256, AltVI: "Ảnh mới", AltEN: "New words"},
			{Data: pic2, AltVI: "Hình hai", AltEN: "Second"}}
		e2, err := s.UpdateBulletin(ctx, adminA, b.ID, 1, edit)
		if err != nil || len(e2.Images) != 2 || e2.Images[0].SHA256 != im.SHA256 || e2.Images[0].AltEN != "New words" || e2.Images[1].Width != 12 {
			t.Fatalf("edit with pictures: %+v %v", e2.Images, err)
		}
		edit.Images = []portal.BulletinImageInput{{Keep: e2.Images[1].SHA256, AltVI: "Hình hai", AltEN: "Second"}}
		if e3, err := s.UpdateBulletin(ctx, adminA, b.ID, 2, edit); err != nil || len(e3.Images) != 1 || e3.Images[0].SHA256 != e2.Images[1].SHA256 {
			t.Fatalf("removing a picture: %+v %v", e3.Images, err)
		}
		stored, _ := s.StaffBulletin(ctx, adminA, b.ID)
		if len(stored.Images) != 1 || stored.Images[0].Width != 12 {
			t.Errorf("stored after removal %+v", stored.Images)
		}
		if _, _, err := s.PublicBulletinImage(ctx, b.ID, im.SHA256); !errs.Is(err, errs.KindNotFound) {
			t.Errorf("a removed picture is still served: %v", err)
		}
		edit.Images = []portal.BulletinImageInput{{Keep: strings.Repeat("a", 64), AltVI: "x", AltEN: "x"}}
		if _, err := s.UpdateBulletin(ctx, adminA, b.ID, 3, edit); fieldCodes(err)["image1"] != portal.CodeImageUnknown {
			t.Errorf("keeping a picture the bulletin lacks: %v", err)
		}

		// The audit trail names the publisher.
		es, err := db.AuditEntriesForTest(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var mine int
		for _, e := range es {
			if strings.HasPrefix(e.Action, "portal.bulletin_") && e.TargetID == b.ID {
				mine++
				if e.OrgID != memberA.ID {
					t.Errorf("%s audited under %q", e.Action, e.OrgID)
				}
			}
		}
		if mine != 3 {
			t.Errorf("%d audit entries for the bulletin, want 3", mine)
		}
	})
}

// TestBulletinImageSweep: a picture removed from its bulletin goes once
// its grace period has passed; a picture a bulletin carries stays, and so
// does a fresh unclaimed one (a request may still be writing its bulletin).
func TestBulletinImageSweep(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := t.Context()
		s, clock, images := newBulletinPortal(t, db)
		clock.t = time.Now().UTC()
		kept, gone := bulletinPNG(t, 5, 5), bulletinPNG(t, 6, 6)
		in := bulletinIn(1, clock.t)
		in.OrgID = ""
		in.Images = []portal.BulletinImageInput{{Data: kept, AltVI: "giữ", AltEN: "kept"}, {Data: gone, AltVI: "bỏ", AltEN: "gone"}}
		b, err := s.CreateBulletin(ctx, reviewerA, in)
		if err != nil {
			t.Fatal(err)
		}
		in.Images = []portal.BulletinImageInput{{Keep: b.Images[0].SHA256, AltVI: "giữ", AltEN: "kept"}}
		if _, err := s.UpdateBulletin(ctx, reviewerA, b.ID, 1, in); err != nil {
			t.Fatal(err)
		}
		if n, err := s.SweepBulletinImages(ctx); err != nil || n != 0 || blobCount(t, images) != 2 {
			t.Fatalf("within the grace period: %d swept, %v, %d left", n, err, blobCount(t, images))
		}
		clock.advance(portal.BulletinImageGrace + time.Hour)
		if n, err := s.SweepBulletinImages(ctx); err != nil || n != 1 || blobCount(t, images) != 1 {
			t.Fatalf("after the grace period: %d swept, %v, %d left", n, err, blobCount(t, images))
		}
		if _, rc, err := s.PublicBulletinImage(ctx, b.ID, b.Images[0].SHA256); err != nil {
			t.Errorf("the carried picture went: %v", err)
		} else {
			rc.Close()
		}
	})
}
