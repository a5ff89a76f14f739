package materials

// The library: filled when a case is accepted, read by its owner (我的材料).

import (
	"context"
	"fmt"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/casework"
	"zwfw/internal/db"
	"zwfw/internal/pii"
)

func (s *Service) identOf(ctx context.Context, userID int64) (owner, error) {
	var o owner
	var idn, cc string
	err := s.db.QueryRow(ctx, "SELECT kind, COALESCE(id_number, ''), COALESCE(credit_code, '') FROM users WHERE id = ?", userID).
		Scan(&o.kind, &idn, &cc)
	if err != nil {
		return o, db.NotFound(err, "账户不存在")
	}
	if err := pii.Of(s.db).OpenAll(pii.F(pii.UserIDNumber.Label(), &idn)); err != nil {
		return o, err
	}
	o.ident = idn
	if o.kind == zwfw.KindEnterprise {
		o.ident = cc
	}
	// An account without an identity number or credit code owns no
	// library and holds no licences: empty, not an error (the apply page
	// asks on every visit).
	return o, nil
}

// trustOf says how far a material handed in a given way can be trusted.
func trustOf(handedIn string) string {
	switch handedIn {
	case casework.ByLicence:
		return TrustIssued
	case "window", "post":
		// Paper: the window checks it against the original on acceptance.
		return TrustChecked
	}
	return TrustUploaded
}

// Accepted keeps the materials of a case just accepted in its applicant's
// library (casework.MaterialsHook), in the acceptance's transaction. A
// material provided from the library is there already; one provided by a
// licence is kept as A with the licence's identifier.
func (s *Service) Accepted(ctx context.Context, tx *db.Tx, c *casework.Case) error {
	if c.Applicant.Ident == "" {
		return nil
	}
	digest := pii.Of(tx).Digest(c.Applicant.Ident)
	now := db.Millis(s.now())
	for _, m := range c.Materials {
		if m.HandedIn == casework.ByLibrary {
			continue
		}
		var fileID any
		if m.FileID != 0 {
			fileID = m.FileID
		}
		ref := ""
		if m.HandedIn == casework.ByLicence && m.Provided != nil {
			ref = m.Provided.Ref
		}
		// A case accepted again after a supplement keeps its first entries.
		if _, err := tx.Exec(ctx, `INSERT INTO material_library (owner_digest, owner_kind, name, trust, file_id, sha256, file_name, size,
			content_type, handed_in, licence_ref, item_code, item_name, case_id, case_serial, accepted_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (case_id, name) DO NOTHING`,
			digest, c.Applicant.Kind, m.Name, trustOf(m.HandedIn), fileID, m.SHA256, m.FileName, m.Size, m.ContentType,
			m.HandedIn, ref, c.ItemCode, c.ItemName, c.ID, c.Serial, now); err != nil {
			return fmt.Errorf("materials: keep %s of %s: %w", m.Name, c.Serial, err)
		}
	}
	return nil
}

const entryCols = `id, name, trust, handed_in, COALESCE(file_id, 0), file_name, size, content_type, sha256, licence_ref,
	item_code, item_name, case_serial, accepted_at`

func scanEntry(row interface{ Scan(...any) error }) (Entry, error) {
	var e Entry
	var at int64
	err := row.Scan(&e.ID, &e.Name, &e.Trust, &e.HandedIn, &e.FileID, &e.FileName, &e.Size, &e.ContentType, &e.SHA256, &e.Licence,
		&e.ItemCode, &e.ItemName, &e.CaseSerial, &at)
	e.AcceptedAt, e.TrustName = db.Time(at), TrustName(e.Trust)
	return e, err
}

// entries reads an owner's entries (names: only those; none: all), newest
// first.
func (s *Service) entries(ctx context.Context, q db.Querier, ident string, names []string) ([]Entry, error) {
	ring := pii.Of(s.db)
	args := ring.Digests(ident)
	where := "owner_digest IN (" + ring.In() + ") AND removed_at = 0"
	if names != nil {
		if len(names) == 0 {
			return nil, nil
		}
		where += " AND name IN (?" + repeat(", ?", len(names)-1) + ")"
		for _, n := range names {
			args = append(args, n)
		}
	}
	rows, err := q.Query(ctx, "SELECT "+entryCols+" FROM material_library WHERE "+where+" ORDER BY accepted_at DESC, id DESC", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func repeat(s string, n int) string {
	out := ""
	for range n {
		out += s
	}
	return out
}

// Library lists the signed-in applicant's materials (我的材料), newest first.
func (s *Service) Library(ctx context.Context, actor *zwfw.Actor) ([]Entry, error) {
	o, err := s.ownerOf(ctx, actor)
	if err != nil {
		return nil, err
	}
	var out []Entry
	if o.ident != "" {
		out, err = s.entries(ctx, s.db.Reader(), o.ident, nil)
	}
	if out == nil && err == nil {
		out = []Entry{}
	}
	return out, err
}

// Remove takes an entry out of its owner's library: it no longer provides
// anything (the cases it was accepted in keep it). Audited.
func (s *Service) Remove(ctx context.Context, actor *zwfw.Actor, id int64) error {
	o, err := s.ownerOf(ctx, actor)
	if err != nil {
		return err
	}
	if o.ident == "" {
		return zwfw.Errorf(zwfw.ENOTFOUND, "材料不存在或已移出材料库")
	}
	ring := pii.Of(s.db)
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		var name, serial string
		args := append([]any{id}, ring.Digests(o.ident)...)
		err := tx.QueryRow(ctx, "SELECT name, case_serial FROM material_library WHERE id = ? AND removed_at = 0 AND owner_digest IN ("+ring.In()+")",
			args...).Scan(&name, &serial)
		if err != nil {
			return db.NotFound(err, "材料不存在或已移出材料库")
		}
		now := s.now()
		if _, err := tx.Exec(ctx, "UPDATE material_library SET removed_at = ? WHERE id = ?", db.Millis(now), id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, actor, "material.remove", fmt.Sprintf("material:%d", id), map[string]any{"name": name, "case": serial})
	})
}
