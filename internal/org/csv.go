package org

// This file reads a software inventory uploaded as CSV, as people export it
// from a spreadsheet: a header row naming the columns in any order and case,
// an optional UTF-8 byte-order mark, a comma or (Excel in a Vietnamese or
// other European locale) semicolon as delimiter.

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/khien-cert/khien/internal/errs"
)

// RowError is a problem with one row of an uploaded file. Row is the line
// number a spreadsheet shows: the header is line 1, the first data row line
// 2; a row whose quoted cell spans lines is numbered by its first line.
type RowError struct {
	Row     int    `json:"row"`
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// InventoryRow is one valid row of an inventory file.
type InventoryRow struct {
	Line     int      `json:"line"`   // numbered as RowError.Row
	System   string   `json:"system"` // the system's name or ID as written; "" when the file has no system column
	Software Software `json:"software"`
}

// DefaultMaxInventoryRows is the bound ParseInventoryCSV applies when given
// a maxRows of zero or less.
const DefaultMaxInventoryRows = 10000

// Codes of inventory file errors.
const (
	CodeBadCSV      = "inventory.bad_csv"
	CodeTooManyRows = "inventory.too_many_rows"
)

// inventoryColumns are the columns a header may name, in documentation order.
var inventoryColumns = []string{"system", "cpe", "purl", "vendor", "product", "version"}

const maxHeaderBytes = 8 << 10

// ParseInventoryCSV reads an inventory file. It returns the valid rows and
// one RowError per problem in the others; each row is checked with
// ValidateSoftware and comes back normalised. Blank lines are skipped. The
// third result is non-nil only when the file as a whole cannot be used: it is
// not CSV, its header is missing or names an unknown column (code
// inventory.bad_csv, KindInvalid), or it has more than maxRows data rows
// (inventory.too_many_rows, KindTooLarge). A failure of r itself is reported
// as inventory.bad_csv with the reader's error as the cause.
func ParseInventoryCSV(r io.Reader, maxRows int) ([]InventoryRow, []RowError, error) {
	if maxRows <= 0 {
		maxRows = DefaultMaxInventoryRows
	}
	cr, err := newInventoryReader(r)
	if err != nil {
		return nil, nil, err
	}
	header, err := cr.Read()
	if err != nil {
		return nil, nil, csvError(err)
	}
	cols, err := inventoryHeader(header)
	if err != nil {
		return nil, nil, err
	}
	var rows []InventoryRow
	var problems []RowError
	for n := 0; ; {
		rec, err := cr.Read()
		if err == io.EOF {
			return rows, problems, nil
		}
		if err != nil {
			return nil, nil, csvError(err)
		}
		if isBlank(rec) {
			continue
		}
		if n++; n > maxRows {
			return nil, nil, errs.New(errs.KindTooLarge, CodeTooManyRows,
				fmt.Sprintf("the file has more than %d rows; split it into smaller files", maxRows))
		}
		line, _ := cr.FieldPos(0)
		row, bad := inventoryRecord(cols, rec, line)
		if len(bad) > 0 {
			problems = append(problems, bad...)
			continue
		}
		rows = append(rows, row)
	}
}

// newInventoryReader strips a byte-order mark and picks the delimiter from
// the header line: ';' when it has semicolons and no commas, else ','.
func newInventoryReader(r io.Reader) (*csv.Reader, error) {
	br := bufio.NewReaderSize(r, maxHeaderBytes)
	head, err := br.ReadSlice('\n')
	switch {
	case errors.Is(err, bufio.ErrBufferFull):
		return nil, badCSV(fmt.Sprintf("the header line is longer than %d bytes", maxHeaderBytes))
	case err != nil && err != io.EOF:
		return nil, csvError(err)
	}
	if bytes.HasPrefix(head, []byte{0xff, 0xfe}) || bytes.HasPrefix(head, []byte{0xfe, 0xff}) {
		return nil, badCSV("the file is UTF-16 text; save it as \"CSV UTF-8\" instead")
	}
	head = bytes.Clone(bytes.TrimPrefix(head, []byte("\uFEFF")))
	if len(bytes.TrimSpace(head)) == 0 {
		return nil, badCSV("the first line must be a header naming the columns: " + strings.Join(inventoryColumns, ", "))
	}
	cr := csv.NewReader(io.MultiReader(bytes.NewReader(head), br))
	if !bytes.ContainsRune(head, ',') && bytes.ContainsRune(head, ';') {
		cr.Comma = ';'
	}
	cr.FieldsPerRecord = -1 // spreadsheets drop trailing empty cells; inventoryRecord checks
	return cr, nil
}

// inventoryHeader maps each column index to a known column name.
func inventoryHeader(header []string) ([]string, error) {
	cols := make([]string, len(header))
	seen := map[string]bool{}
	for i, h := range header {
		name := strings.ToLower(clean(h))
		switch {
		case name == "":
			return nil, badCSV(fmt.Sprintf("column %d of the header has no name", i+1))
		case !slices.Contains(inventoryColumns, name):
			return nil, badCSV(fmt.Sprintf("unknown column %q; the columns are %s",
				truncate(h, 40), strings.Join(inventoryColumns, ", ")))
		case seen[name]:
			return nil, badCSV(fmt.Sprintf("column %q appears twice", name))
		}
		seen[name] = true
		cols[i] = name
	}
	if !seen["cpe"] && !seen["purl"] && !seen["product"] {
		return nil, badCSV("the header needs a cpe, purl or product column")
	}
	return cols, nil
}

// inventoryRecord turns one data record into a validated row.
func inventoryRecord(cols, rec []string, line int) (InventoryRow, []RowError) {
	row := InventoryRow{Line: line}
	var bad []RowError
	hasSystem := false
	for i, v := range rec {
		if i >= len(cols) {
			if strings.TrimSpace(v) != "" {
				bad = append(bad, RowError{Row: line, Code: "inventory.extra_cells",
					Message: fmt.Sprintf("the row has %d cells but the header names %d columns", len(rec), len(cols))})
				break
			}
			continue
		}
		switch cols[i] {
		case "system":
			row.System, hasSystem = clean(v), true
		case "cpe":
			row.Software.CPE = v
		case "purl":
			row.Software.PURL = v
		case "vendor":
			row.Software.Vendor = v
		case "product":
			row.Software.Product = v
		case "version":
			row.Software.Version = v
		}
	}
	if slices.Contains(cols, "system") {
		var f errs.Fields
		if !hasSystem || row.System == "" {
			f.Add("system", "inventory.missing_system", "name the system (its name or ID) this software runs in")
		} else {
			checkText(&f, "system", "inventory.bad_system", row.System, 1, maxNameLen)
		}
		bad = append(bad, rowErrors(line, f)...)
	}
	if err := ValidateSoftware(&row.Software); err != nil {
		e, _ := errors.AsType[*errs.Error](err)
		bad = append(bad, rowErrors(line, e.Fields)...)
	}
	return row, bad
}

func rowErrors(line int, fs []errs.FieldError) []RowError {
	out := make([]RowError, 0, len(fs))
	for _, f := range fs {
		out = append(out, RowError{Row: line, Field: f.Field, Code: f.Code, Message: f.Message})
	}
	return out
}

func isBlank(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

func badCSV(msg string) *errs.Error {
	return errs.Invalid(CodeBadCSV, msg, errs.Field("file", CodeBadCSV, msg))
}

// csvError reports a syntax error with its line, or a failure of the reader
// with that failure as the cause.
func csvError(err error) error {
	if pe, ok := errors.AsType[*csv.ParseError](err); ok {
		return badCSV(fmt.Sprintf("the file is not valid CSV: line %d, column %d: %v", pe.StartLine, pe.Column, pe.Err))
	}
	if err == io.EOF {
		return badCSV("the file is empty; the first line must be a header naming the columns")
	}
	e := badCSV("the file could not be read")
	e.Err = err
	return e
}
