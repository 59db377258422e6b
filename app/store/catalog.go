package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/sync/protocol"
)

// ErrNoCatalog is returned before any catalog has been loaded.
var ErrNoCatalog = msg.New("尚未载入事项目录")

// ErrVersionConflict: the same version number was published twice with
// different content; loading it would make "version X" mean two things.
var ErrVersionConflict = msg.New("目录版本“{{.Version}}”已载入过，但内容不同；请核对发布的版本号")

// CatalogLoad tells what loading a catalog did.
type CatalogLoad struct {
	Version string
	Matters int
	Bundles int
	// AlreadyActive: this exact version was active already; nothing changed.
	AlreadyActive bool
	// OverrideDropped: the township override written for the previously
	// active version no longer applies and must be re-issued for this one.
	OverrideDropped bool
}

// catalogIndex is the active catalog held in memory for lookups.
type catalogIndex struct {
	cat  *catalog.Catalog
	info map[string]hitInfo
}

type hitInfo struct {
	name, sector string
	bundle       bool
	levels       []catalog.Level
}

// LoadCatalog validates a published catalog document and makes it the
// active version in one transaction. A document with any problem is rejected
// whole and the previously active version stays in use.
func (db *DB) LoadCatalog(ctx context.Context, raw []byte) (CatalogLoad, error) {
	cat, err := catalog.Parse(raw)
	if err != nil {
		return CatalogLoad{}, err
	}
	var res CatalogLoad
	err = db.update(ctx, func(t *tx) error {
		res, err = loadCatalog(ctx, t, raw, cat)
		return err
	})
	if err != nil {
		return CatalogLoad{}, err
	}
	db.dropCatalogCache()
	return res, nil
}

// loadCatalog makes a parsed catalog document the active version inside the
// caller's transaction: by hand (LoadCatalog) or from the county's feed.
func loadCatalog(ctx context.Context, t *tx, raw []byte, cat *catalog.Catalog) (CatalogLoad, error) {
	sum := sha256.Sum256(raw)
	digest := hex.EncodeToString(sum[:])
	res := CatalogLoad{Version: cat.Version, Matters: len(cat.Matters), Bundles: len(cat.Bundles)}
	var oldDigest string
	var active bool
	err := t.QueryRowContext(ctx, `SELECT sha256, active FROM catalog_versions WHERE version = ?`, cat.Version).
		Scan(&oldDigest, &active)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return res, fmt.Errorf("look up catalog version: %w", err)
	case oldDigest != digest:
		return res, msg.New(ErrVersionConflict.Key, "Version", cat.Version)
	case active:
		res.AlreadyActive = true
		return res, nil
	}
	var prevOverride sql.NullString
	if err := t.QueryRowContext(ctx, `SELECT override FROM catalog_versions WHERE active = 1`).Scan(&prevOverride); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return res, fmt.Errorf("read active catalog: %w", err)
	}
	res.OverrideDropped = prevOverride.Valid
	effective, err := cat.Encode()
	if err != nil {
		return res, fmt.Errorf("encode catalog: %w", err)
	}
	if _, err := t.ExecContext(ctx, `UPDATE catalog_versions SET active = 0 WHERE active = 1`); err != nil {
		return res, fmt.Errorf("deactivate catalog: %w", err)
	}
	if _, err := t.ExecContext(ctx, `INSERT INTO catalog_versions (version, published, issuer, sha256, document, override, effective, loaded_at, active)
		VALUES (?, ?, ?, ?, ?, NULL, ?, ?, 1)
		ON CONFLICT (version) DO UPDATE SET override = NULL, effective = excluded.effective, loaded_at = excluded.loaded_at, active = 1`,
		cat.Version, cat.Published, cat.Issuer, digest, raw, effective, stamp(t.now)); err != nil {
		return res, fmt.Errorf("save catalog version: %w", err)
	}
	return res, activate(ctx, t, cat, false)
}

// LoadOverride applies a township override to the active catalog version,
// replacing any earlier override, in one transaction. An override that asks
// for more than the province catalog is rejected whole.
func (db *DB) LoadOverride(ctx context.Context, raw []byte) error {
	ov, err := catalog.ParseOverride(raw)
	if err != nil {
		return err
	}
	err = db.update(ctx, func(t *tx) error {
		var doc []byte
		if err := t.QueryRowContext(ctx, `SELECT document FROM catalog_versions WHERE active = 1`).Scan(&doc); errors.Is(err, sql.ErrNoRows) {
			return ErrNoCatalog
		} else if err != nil {
			return fmt.Errorf("read active catalog: %w", err)
		}
		base, err := catalog.ParseReceived(doc)
		if err != nil {
			return fmt.Errorf("stored catalog no longer parses: %w", err)
		}
		eff, err := ov.Apply(base)
		if err != nil {
			return err
		}
		effective, err := eff.Encode()
		if err != nil {
			return fmt.Errorf("encode catalog: %w", err)
		}
		if _, err := t.ExecContext(ctx, `UPDATE catalog_versions SET override = ?, effective = ? WHERE active = 1`, raw, effective); err != nil {
			return fmt.Errorf("save override: %w", err)
		}
		return activate(ctx, t, eff, true)
	})
	if err != nil {
		return err
	}
	db.dropCatalogCache()
	return nil
}

// activate rebuilds the active matter, bundle and search tables from cat and
// emits the CatalogActivated event, inside the caller's transaction.
func activate(ctx context.Context, t *tx, cat *catalog.Catalog, override bool) error {
	for _, q := range []string{`DELETE FROM matters`, `DELETE FROM bundles`, `DELETE FROM search_terms`} {
		if _, err := t.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("clear active catalog: %w", err)
		}
	}
	insM, err := t.PrepareContext(ctx, `INSERT INTO matters (code, name, sector, kind, levels, promised_days) VALUES (?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer insM.Close()
	insB, err := t.PrepareContext(ctx, `INSERT INTO bundles (code, name, levels, matters) VALUES (?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer insB.Close()
	insT, err := t.PrepareContext(ctx, `INSERT INTO search_terms (ref, bundle, kind, term) VALUES (?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer insT.Close()
	terms := func(ref string, bundle bool, name string, aliases []string) error {
		for _, term := range catalog.Terms(name, aliases) {
			if _, err := insT.ExecContext(ctx, ref, bundle, string(term.Kind), term.Text); err != nil {
				return fmt.Errorf("index %s: %w", ref, err)
			}
		}
		return nil
	}
	for i := range cat.Matters {
		m := &cat.Matters[i]
		if _, err := insM.ExecContext(ctx, m.Code, m.Name, m.Sector, string(m.Kind), joinLevels(m.Levels), m.PromisedDays); err != nil {
			return fmt.Errorf("insert matter %s: %w", m.Code, err)
		}
		if err := terms(m.Code, false, m.Name, m.Aliases); err != nil {
			return err
		}
	}
	for i := range cat.Bundles {
		b := &cat.Bundles[i]
		if _, err := insB.ExecContext(ctx, b.Code, b.Name, joinLevels(bundleLevels(cat, b)), strings.Join(b.Matters, ",")); err != nil {
			return fmt.Errorf("insert bundle %s: %w", b.Code, err)
		}
		if err := terms(b.Code, true, b.Name, b.Aliases); err != nil {
			return err
		}
	}
	if _, err := t.ExecContext(ctx, `INSERT INTO search_fts (search_fts) VALUES ('rebuild')`); err != nil {
		return fmt.Errorf("rebuild search index: %w", err)
	}
	_, err = t.emit(ctx, protocol.CatalogActivated, protocol.CatalogPayload{
		Version: cat.Version, OverrideApplied: override, Matters: len(cat.Matters), Bundles: len(cat.Bundles)})
	return err
}

// bundleLevels are the tiers where every matter of the bundle can be done.
func bundleLevels(cat *catalog.Catalog, b *catalog.Bundle) []catalog.Level {
	var out []catalog.Level
	for _, l := range []catalog.Level{catalog.County, catalog.Township, catalog.Village} {
		all := true
		for _, code := range b.Matters {
			if m, ok := cat.Matter(code); !ok || !m.DoneAt(l) {
				all = false
				break
			}
		}
		if all {
			out = append(out, l)
		}
	}
	return out
}

func joinLevels(ls []catalog.Level) string {
	s := make([]string, len(ls))
	for i, l := range ls {
		s[i] = string(l)
	}
	return strings.Join(s, ",")
}

func (db *DB) dropCatalogCache() {
	db.catMu.Lock()
	db.cat, db.older = nil, nil
	db.catMu.Unlock()
}

// index returns the active catalog held in memory, reading it on first use.
func (db *DB) index(ctx context.Context) (*catalogIndex, error) {
	db.catMu.RLock()
	idx := db.cat
	db.catMu.RUnlock()
	if idx != nil {
		return idx, nil
	}
	db.catMu.Lock()
	defer db.catMu.Unlock()
	if db.cat != nil {
		return db.cat, nil
	}
	var eff []byte
	err := db.r.QueryRowContext(ctx, `SELECT effective FROM catalog_versions WHERE active = 1`).Scan(&eff)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoCatalog
	}
	if err != nil {
		return nil, fmt.Errorf("read active catalog: %w", err)
	}
	var cat catalog.Catalog
	if err := json.Unmarshal(eff, &cat); err != nil {
		return nil, fmt.Errorf("decode active catalog: %w", err)
	}
	idx = &catalogIndex{cat: &cat, info: make(map[string]hitInfo, len(cat.Matters)+len(cat.Bundles))}
	for _, m := range cat.Matters {
		idx.info[m.Code] = hitInfo{name: m.Name, sector: m.Sector, levels: m.Levels}
	}
	for i := range cat.Bundles {
		b := &cat.Bundles[i]
		idx.info[b.Code] = hitInfo{name: b.Name, bundle: true, levels: bundleLevels(&cat, b)}
	}
	db.cat = idx
	return idx, nil
}

// ActiveCatalog returns the catalog in use (after the township override).
// Callers must not modify it.
func (db *DB) ActiveCatalog(ctx context.Context) (*catalog.Catalog, error) {
	idx, err := db.index(ctx)
	if err != nil {
		return nil, err
	}
	return idx.cat, nil
}

// CaseCatalog returns the catalog a case was accepted under: its papers,
// material names and 补正 rules stay those of that version after the county
// publishes a newer one (which may drop or rename a matter). An empty or
// unknown version gives the active catalog.
func (db *DB) CaseCatalog(ctx context.Context, version string) (*catalog.Catalog, error) {
	active, err := db.ActiveCatalog(ctx)
	if err != nil || version == "" || version == active.Version {
		return active, err
	}
	db.catMu.RLock()
	cat, ok := db.older[version]
	db.catMu.RUnlock()
	if ok {
		return cat, nil
	}
	var eff []byte
	err = db.r.QueryRowContext(ctx, `SELECT effective FROM catalog_versions WHERE version = ?`, version).Scan(&eff)
	if errors.Is(err, sql.ErrNoRows) {
		return active, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read catalog %s: %w", version, err)
	}
	cat = &catalog.Catalog{}
	if err := json.Unmarshal(eff, cat); err != nil {
		return nil, fmt.Errorf("decode catalog %s: %w", version, err)
	}
	db.catMu.Lock()
	if db.older == nil {
		db.older = map[string]*catalog.Catalog{}
	}
	db.older[version] = cat
	db.catMu.Unlock()
	return cat, nil
}

// HasCatalog reports whether any catalog version is active.
func (db *DB) HasCatalog(ctx context.Context) (bool, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM catalog_versions WHERE active = 1`).Scan(&n)
	return n > 0, err
}

// SearchOptions narrow a catalog search.
type SearchOptions struct {
	// Level keeps only matters (and bundles) that can be done at this tier;
	// empty keeps all.
	Level catalog.Level
	// Limit caps the hits; 0 means 50.
	Limit int
}

// Search finds matters and bundles by Chinese substring, full pinyin,
// pinyin initials or alias, best first: exact name, then prefix, then
// initials, then substring; ties go to the shorter name, then the code.
func (db *DB) Search(ctx context.Context, query string, opt SearchOptions) ([]catalog.Hit, error) {
	q := catalog.NormalizeQuery(query)
	if q == "" {
		return nil, nil
	}
	idx, err := db.index(ctx)
	if err != nil {
		return nil, err
	}
	var rows *sql.Rows
	if utf8.RuneCountInString(q) >= 3 {
		// A quoted FTS5 string on a trigram table matches it as a substring.
		rows, err = db.r.QueryContext(ctx, `SELECT t.ref, t.kind, t.term FROM search_fts
			JOIN search_terms t ON t.id = search_fts.rowid WHERE search_fts MATCH ?`,
			`"`+strings.ReplaceAll(q, `"`, `""`)+`"`)
	} else {
		rows, err = db.r.QueryContext(ctx, `SELECT ref, kind, term FROM search_terms WHERE term LIKE ? ESCAPE '\'`,
			"%"+likeEscaper.Replace(q)+"%")
	}
	if err != nil {
		return nil, fmt.Errorf("search catalog: %w", err)
	}
	defer rows.Close()
	best := map[string]catalog.Hit{}
	for rows.Next() {
		var ref, kind, term string
		if err := rows.Scan(&ref, &kind, &term); err != nil {
			return nil, fmt.Errorf("search catalog: %w", err)
		}
		r := catalog.RankTerm(q, catalog.Term{Kind: catalog.TermKind(kind), Text: term})
		if r == catalog.RankNone {
			continue // FTS may match on case or normalisation we do not count
		}
		if h, seen := best[ref]; seen && h.Rank <= r {
			continue
		}
		info, ok := idx.info[ref]
		if !ok || (opt.Level != "" && !slices.Contains(info.levels, opt.Level)) {
			continue
		}
		best[ref] = catalog.Hit{Code: ref, Name: info.name, Sector: info.sector, Bundle: info.bundle, Rank: r, Matched: term}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search catalog: %w", err)
	}
	hits := make([]catalog.Hit, 0, len(best))
	for _, h := range best {
		hits = append(hits, h)
	}
	sort.Slice(hits, func(i, j int) bool {
		a, b := hits[i], hits[j]
		if a.Rank != b.Rank {
			return a.Rank < b.Rank
		}
		if la, lb := utf8.RuneCountInString(a.Name), utf8.RuneCountInString(b.Name); la != lb {
			return la < lb
		}
		return a.Code < b.Code
	})
	limit := opt.Limit
	if limit <= 0 {
		limit = 50
	}
	return hits[:min(limit, len(hits))], nil
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
