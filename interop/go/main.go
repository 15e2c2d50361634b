// Command go-interop checks a hocba-ledger log with an independent implementation of its public
// formats: Go's golang.org/x/mod/sumdb/note (c2sp.org/signed-note) and
// golang.org/x/mod/sumdb/tlog (RFC 6962 trees, proofs and tiles of height 8, c2sp.org/tlog-tiles).
//
// The log is read either over HTTP (a URL prefix such as http://127.0.0.1:8080/log) or from a
// directory written by `hocba export`. The checks:
//
//   - the checkpoint opens with note.NewVerifier(vkey) + note.Open, and parses as a
//     c2sp.org/tlog-checkpoint (origin = key name, canonical decimal size, base64 32-byte root);
//     a checkpoint opened with another key of the same name, or with its text changed, is refused;
//   - Go's tile paths (tile/H/L/N, tile/H/data/N) map to the C2SP paths (tile/L/N, tile/entries/N);
//   - tlog.TreeHash over tlog.TileHashReader (tiles fetched from the log) equals the root, and a
//     corrupted tile is refused;
//   - every entry bundle parses (2-byte big-endian length + entry), and the tree recomputed from
//     tlog.RecordHash of the entries has the checkpoint's root;
//   - every hash tile of the tree, full and partial, is byte-identical to tlog.ReadTileData over
//     the recomputed tree;
//   - tlog.ProveRecord/CheckRecord for a spread of indexes, with the leaf hashes of the entries
//     (and a wrong leaf is refused, and so is a proof read through a corrupted tile);
//   - tlog.ProveTree/CheckTree from each older checkpoint given with -old (and a wrong old root is
//     refused).
//
// It prints PASS/FAIL lines and ends with `RESULT passed=N failed=M`; exit status 1 on any
// failure, 2 on a usage error.
package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// tileHeight is the C2SP tlog-tiles tile height: a tile is a subtree of height 8 (256 hashes).
const tileHeight = 8

const tileWidth = 1 << tileHeight

// --- Results ------------------------------------------------------------------------------------

type results struct {
	label          string
	passed, failed int
}

func (r *results) pass(name, detail string) {
	r.passed++
	if detail != "" {
		fmt.Printf("PASS [%s] %s: %s\n", r.label, name, detail)
	} else {
		fmt.Printf("PASS [%s] %s\n", r.label, name)
	}
}

func (r *results) fail(name string, err error) {
	r.failed++
	fmt.Printf("FAIL [%s] %s: %v\n", r.label, name, err)
}

// check runs one named check; the function returns a detail for the PASS line or an error.
func (r *results) check(name string, f func() (string, error)) bool {
	detail, err := f()
	if err != nil {
		r.fail(name, err)
		return false
	}
	r.pass(name, detail)
	return true
}

// --- Where the log is read from -----------------------------------------------------------------

var errNotFound = errors.New("not found")

type source interface {
	// Get returns the bytes at a path relative to the log prefix (e.g. "checkpoint").
	Get(path string) ([]byte, error)
	String() string
}

type httpSource struct {
	base     string
	client   *http.Client
	requests int
}

func (s *httpSource) String() string { return s.base }

func (s *httpSource) Get(path string) ([]byte, error) {
	url := s.base + "/" + path
	s.requests++
	resp, err := s.client.Get(url)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("GET %s: reading body: %w", url, err)
	}
	if resp.StatusCode == http.StatusNotFound {
		return nil, fmt.Errorf("%w: GET %s: 404 %s", errNotFound, url, snippet(body))
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s %s", url, resp.Status, snippet(body))
	}
	return body, nil
}

type dirSource struct{ root string }

func (s *dirSource) String() string { return s.root }

func (s *dirSource) Get(path string) ([]byte, error) {
	file := filepath.Join(s.root, filepath.FromSlash(path))
	data, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", errNotFound, file)
	}
	return data, err
}

func snippet(body []byte) string {
	if len(body) > 200 {
		body = body[:200]
	}
	return strconv.Quote(string(body))
}

// --- Tile paths ---------------------------------------------------------------------------------

// c2spPath maps a tile to its c2sp.org/tlog-tiles path. Go's Tile.Path() spells a tile
// tile/H/L/NNN[.p/W] with the tile height as an extra element, and an entry tile
// tile/H/data/NNN[.p/W]; C2SP fixes the height at 8 and omits it, and calls entry bundles
// tile/entries/NNN[.p/W]. The N and .p/W encodings are the same.
func c2spPath(t tlog.Tile) (string, error) {
	if t.H != tileHeight {
		return "", fmt.Errorf("tile height %d, C2SP tiles have height %d", t.H, tileHeight)
	}
	goPath := t.Path()
	prefix := fmt.Sprintf("tile/%d/", t.H)
	if !strings.HasPrefix(goPath, prefix) {
		return "", fmt.Errorf("Go tile path %q does not start with %q", goPath, prefix)
	}
	rest := goPath[len(prefix):]
	if t.L == -1 {
		if !strings.HasPrefix(rest, "data/") {
			return "", fmt.Errorf("Go data tile path %q has no data element", goPath)
		}
		rest = "entries/" + rest[len("data/"):]
	}
	return "tile/" + rest, nil
}

// tileReader is a tlog.TileReader over a source, with a cache (tiles of one tree never change).
type tileReader struct {
	src       source
	cache     map[tlog.Tile][]byte
	fallbacks []string // partial tiles that were not found and were cut from the full tile
}

func newTileReader(src source) *tileReader {
	return &tileReader{src: src, cache: make(map[tlog.Tile][]byte)}
}

func (r *tileReader) Height() int { return tileHeight }

func (r *tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		data, err := r.readTile(t)
		if err != nil {
			return nil, err
		}
		out[i] = data
	}
	return out, nil
}

func (r *tileReader) readTile(t tlog.Tile) ([]byte, error) {
	if data, ok := r.cache[t]; ok {
		return data, nil
	}
	path, err := c2spPath(t)
	if err != nil {
		return nil, err
	}
	data, err := r.src.Get(path)
	if errors.Is(err, errNotFound) && t.W < tileWidth {
		// tlog-tiles: a client that does not find a partial tile may use the full one.
		full := t
		full.W = tileWidth
		fullPath, _ := c2spPath(full)
		if fullData, fullErr := r.src.Get(fullPath); fullErr == nil && len(fullData) == tileWidth*tlog.HashSize {
			r.fallbacks = append(r.fallbacks, path)
			data, err = fullData[:t.W*tlog.HashSize], nil
		}
	}
	if err != nil {
		return nil, err
	}
	if len(data) != t.W*tlog.HashSize {
		return nil, fmt.Errorf("%s: %d bytes, want %d (%d hashes)", path, len(data), t.W*tlog.HashSize, t.W)
	}
	r.cache[t] = data
	return data, nil
}

func (r *tileReader) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

// corruptingReader returns the tiles of another reader with one bit flipped: in byte `at` of the
// tile `target`, or in the last byte of the first tile asked for when target is nil.
type corruptingReader struct {
	inner   tlog.TileReader
	target  *tlog.Tile
	at      int
	flipped string
}

func (r *corruptingReader) Height() int { return r.inner.Height() }

func (r *corruptingReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	data, err := r.inner.ReadTiles(tiles)
	if err != nil || len(data) == 0 {
		return data, err
	}
	out := append([][]byte(nil), data...)
	for i, t := range tiles {
		if (r.target == nil && i == 0 && r.flipped == "") || (r.target != nil && t == *r.target) {
			at := r.at
			if r.target == nil {
				at = len(data[i]) - 1
			}
			out[i] = append([]byte(nil), data[i]...)
			out[i][at] ^= 0x01
			r.flipped, _ = c2spPath(t)
		}
	}
	return out, nil
}

func (r *corruptingReader) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

// --- Checkpoints --------------------------------------------------------------------------------

type checkpoint struct {
	origin    string
	tree      tlog.Tree
	extension []string
	sigs      int
}

var decimal = regexp.MustCompile(`^(0|[1-9][0-9]*)$`)

// parseCheckpoint parses the text of a c2sp.org/tlog-checkpoint note.
func parseCheckpoint(text string) (*checkpoint, error) {
	if !strings.HasSuffix(text, "\n") {
		return nil, errors.New("checkpoint text does not end with a newline")
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 {
		return nil, fmt.Errorf("checkpoint text has %d lines, want at least 3", len(lines))
	}
	cp := &checkpoint{origin: lines[0], extension: lines[3:]}
	if cp.origin == "" {
		return nil, errors.New("empty origin line")
	}
	if !decimal.MatchString(lines[1]) {
		return nil, fmt.Errorf("size line %q is not a canonical decimal", lines[1])
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		return nil, fmt.Errorf("size line %q: %v", lines[1], err)
	}
	root, err := base64.StdEncoding.Strict().DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize || base64.StdEncoding.EncodeToString(root) != lines[2] {
		return nil, fmt.Errorf("root line %q is not the base64 of 32 bytes", lines[2])
	}
	for i, line := range cp.extension {
		if line == "" {
			return nil, fmt.Errorf("extension line %d is empty", i+1)
		}
	}
	cp.tree.N = size
	copy(cp.tree.Hash[:], root)
	return cp, nil
}

// openCheckpoint verifies a signed checkpoint with the log's key and parses it.
func openCheckpoint(raw []byte, verifier note.Verifier) (*checkpoint, error) {
	n, err := note.Open(raw, note.VerifierList(verifier))
	if err != nil {
		return nil, fmt.Errorf("note.Open: %w", err)
	}
	signed := false
	for _, sig := range n.Sigs {
		if sig.Name == verifier.Name() && sig.Hash == verifier.KeyHash() {
			signed = true
		}
	}
	if !signed {
		return nil, errors.New("note.Open returned no signature by the log's key")
	}
	cp, err := parseCheckpoint(n.Text)
	if err != nil {
		return nil, err
	}
	if cp.origin != verifier.Name() {
		return nil, fmt.Errorf("origin %q is not the key name %q", cp.origin, verifier.Name())
	}
	cp.sigs = len(n.Sigs) + len(n.UnverifiedSigs)
	return cp, nil
}

// --- Entry bundles ------------------------------------------------------------------------------

// parseBundle splits an entry bundle: each entry is a 2-byte big-endian length and that many bytes.
func parseBundle(data []byte) ([][]byte, error) {
	var entries [][]byte
	for len(data) > 0 {
		if len(data) < 2 {
			return nil, fmt.Errorf("entry %d: 1 byte left, want a 2-byte length", len(entries))
		}
		n := int(binary.BigEndian.Uint16(data))
		if len(data) < 2+n {
			return nil, fmt.Errorf("entry %d: length %d but only %d bytes left", len(entries), n, len(data)-2)
		}
		entries = append(entries, data[2:2+n])
		data = data[2+n:]
	}
	return entries, nil
}

// --- Flags --------------------------------------------------------------------------------------

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	logArg := flag.String("log", "", "log prefix URL (http://HOST/log) or export directory")
	vkeyArg := flag.String("vkey", "", "the log's verifier key (name+hexid+base64)")
	expectSize := flag.Int64("expect-size", -1, "fail unless the checkpoint has this size")
	saveArg := flag.String("save", "", "write the verified checkpoint note to this file")
	receiptsArg := flag.String("receipts", "", "file of `index base64-leaf-hash` lines from the node's receipts")
	label := flag.String("label", "", "label for the output lines")
	var olds listFlag
	flag.Var(&olds, "old", "an older signed checkpoint file to prove consistency from (repeatable)")
	flag.Parse()
	if *logArg == "" || *vkeyArg == "" || flag.NArg() != 0 {
		flag.Usage()
		os.Exit(2)
	}
	var src source
	if strings.HasPrefix(*logArg, "http://") || strings.HasPrefix(*logArg, "https://") {
		src = &httpSource{base: strings.TrimSuffix(*logArg, "/"), client: &http.Client{Timeout: 20 * time.Second}}
	} else {
		src = &dirSource{root: *logArg}
	}
	if *label == "" {
		*label = src.String()
	}
	r := &results{label: *label}
	run(r, src, *vkeyArg, *expectSize, *saveArg, *receiptsArg, olds)
	if hs, ok := src.(*httpSource); ok {
		fmt.Printf("info [%s] %d HTTP requests\n", r.label, hs.requests)
	}
	fmt.Printf("RESULT passed=%d failed=%d\n", r.passed, r.failed)
	if r.failed > 0 {
		os.Exit(1)
	}
}

func run(r *results, src source, vkey string, expectSize int64, savePath, receiptsPath string, olds []string) {
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		r.fail("verifier key parses with note.NewVerifier", err)
		return
	}
	r.pass("verifier key parses with note.NewVerifier", fmt.Sprintf("name %q, key hash %08x", verifier.Name(), verifier.KeyHash()))

	if ds, ok := src.(*dirSource); ok {
		r.check("export: vkey file is the verifier key", func() (string, error) {
			data, err := ds.Get("vkey")
			if err != nil {
				return "", err
			}
			if got := strings.TrimSuffix(string(data), "\n"); got != vkey {
				return "", fmt.Errorf("vkey file has %q", got)
			}
			return "", nil
		})
	}

	checkTilePaths(r)

	// The checkpoint.
	raw, err := src.Get("checkpoint")
	if err != nil {
		r.fail("checkpoint: fetch", err)
		return
	}
	var cp *checkpoint
	if !r.check("checkpoint: note.Open verifies it and it parses as a tlog-checkpoint", func() (string, error) {
		var err error
		cp, err = openCheckpoint(raw, verifier)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("origin %q, size %d, root %s, %d signature(s), %d extension line(s)",
			cp.origin, cp.tree.N, cp.tree.Hash, cp.sigs, len(cp.extension)), nil
	}) {
		fmt.Printf("info [%s] checkpoint bytes: %q\n", r.label, raw)
		return
	}
	if expectSize >= 0 {
		r.check("checkpoint: size is the expected one", func() (string, error) {
			if cp.tree.N != expectSize {
				return "", fmt.Errorf("size %d, expected %d", cp.tree.N, expectSize)
			}
			return fmt.Sprint(expectSize), nil
		})
	}
	checkSignatureNegatives(r, raw, verifier, cp)
	if savePath != "" {
		if err := os.WriteFile(savePath, raw, 0o644); err != nil {
			r.fail("checkpoint: save", err)
		}
	}
	size := cp.tree.N
	if size == 0 {
		r.fail("checkpoint: non-empty tree", errors.New("the checkpoint is of the empty tree; nothing to check"))
		return
	}

	// Go's tile reader against the root.
	tiles := newTileReader(src)
	thr := tlog.TileHashReader(cp.tree, tiles)
	r.check("tree: tlog.TreeHash over tlog.TileHashReader equals the checkpoint root", func() (string, error) {
		h, err := tlog.TreeHash(size, thr)
		if err != nil {
			return "", err
		}
		if h != cp.tree.Hash {
			return "", fmt.Errorf("TreeHash %s, checkpoint %s", h, cp.tree.Hash)
		}
		return h.String(), nil
	})
	r.check("tree: a tile with one bit flipped is refused by tlog.TileHashReader", func() (string, error) {
		bad := &corruptingReader{inner: tiles}
		_, err := tlog.TreeHash(size, tlog.TileHashReader(cp.tree, bad))
		if err == nil {
			return "", fmt.Errorf("TreeHash accepted corrupted %s", bad.flipped)
		}
		return fmt.Sprintf("%s: %v", bad.flipped, err), nil
	})

	// Entry bundles and the tree recomputed from them.
	leaves := readEntries(r, src, size)
	if leaves == nil {
		return
	}
	if receiptsPath != "" {
		checkReceipts(r, receiptsPath, leaves)
	}
	var stored []tlog.Hash
	memory := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			if x < 0 || x >= int64(len(stored)) {
				return nil, fmt.Errorf("stored hash %d not computed", x)
			}
			out[i] = stored[x]
		}
		return out, nil
	})
	if !r.check("tree: the root recomputed from tlog.RecordHash of every entry equals the checkpoint root", func() (string, error) {
		for i, leaf := range leaves {
			if want := tlog.StoredHashIndex(0, int64(i)); want != int64(len(stored)) {
				return "", fmt.Errorf("bad stored hash bookkeeping at %d", i)
			}
			more, err := tlog.StoredHashesForRecordHash(int64(i), leaf, memory)
			if err != nil {
				return "", err
			}
			stored = append(stored, more...)
		}
		h, err := tlog.TreeHash(size, memory)
		if err != nil {
			return "", err
		}
		if h != cp.tree.Hash {
			return "", fmt.Errorf("recomputed %s, checkpoint %s", h, cp.tree.Hash)
		}
		return fmt.Sprintf("%d entries, %d stored hashes", len(leaves), len(stored)), nil
	}) {
		return
	}
	checkHashTiles(r, src, size, memory)
	checkRecordProofs(r, cp, tiles, thr, leaves)

	// Consistency with older checkpoints.
	for _, old := range olds {
		checkConsistency(r, old, verifier, cp, thr, memory)
	}
	if len(tiles.fallbacks) > 0 {
		fmt.Printf("info [%s] partial tiles not found, cut from the full tile: %s\n", r.label, strings.Join(tiles.fallbacks, " "))
	}
}

// checkTilePaths compares the mapping of Go's tile paths with C2SP paths written out by hand
// from c2sp.org/tlog-tiles.
func checkTilePaths(r *results) {
	cases := []struct {
		tile tlog.Tile
		want string
	}{
		{tlog.Tile{H: 8, L: 0, N: 0, W: 256}, "tile/0/000"},
		{tlog.Tile{H: 8, L: 0, N: 3, W: 232}, "tile/0/003.p/232"},
		{tlog.Tile{H: 8, L: 1, N: 0, W: 5}, "tile/1/000.p/5"},
		{tlog.Tile{H: 8, L: 0, N: 1234067, W: 256}, "tile/0/x001/x234/067"},
		{tlog.Tile{H: 8, L: 2, N: 1000, W: 255}, "tile/2/x001/000.p/255"},
		{tlog.Tile{H: 8, L: -1, N: 1234067, W: 8}, "tile/entries/x001/x234/067.p/8"},
		{tlog.Tile{H: 8, L: -1, N: 4, W: 256}, "tile/entries/004"},
	}
	r.check("tile paths: Go's Tile.Path() maps to C2SP paths by dropping the height element", func() (string, error) {
		for _, c := range cases {
			got, err := c2spPath(c.tile)
			if err != nil {
				return "", err
			}
			if got != c.want {
				return "", fmt.Errorf("%+v: Go %q maps to %q, C2SP %q", c.tile, c.tile.Path(), got, c.want)
			}
			back, err := tlog.ParseTilePath(c.tile.Path())
			if err != nil || back != c.tile {
				return "", fmt.Errorf("tlog.ParseTilePath(%q) = %+v, %v", c.tile.Path(), back, err)
			}
		}
		return fmt.Sprintf("e.g. Go %q = C2SP %q", cases[1].tile.Path(), cases[1].want), nil
	})
}

// checkSignatureNegatives makes sure the signature check is not vacuous.
func checkSignatureNegatives(r *results, raw []byte, verifier note.Verifier, cp *checkpoint) {
	r.check("checkpoint: another key of the same name is refused by note.Open", func() (string, error) {
		_, otherVkey, err := note.GenerateKey(rand.Reader, verifier.Name())
		if err != nil {
			return "", err
		}
		other, err := note.NewVerifier(otherVkey)
		if err != nil {
			return "", err
		}
		_, err = note.Open(raw, note.VerifierList(other))
		var unverified *note.UnverifiedNoteError
		if !errors.As(err, &unverified) {
			return "", fmt.Errorf("note.Open with another key: %v, want UnverifiedNoteError", err)
		}
		return err.Error(), nil
	})
	r.check("checkpoint: a changed size line is refused by note.Open", func() (string, error) {
		oldLine := []byte(fmt.Sprintf("\n%d\n", cp.tree.N))
		newLine := []byte(fmt.Sprintf("\n%d\n", cp.tree.N+1))
		if bytes.Count(raw, oldLine) != 1 {
			return "", fmt.Errorf("size line not found once in %q", raw)
		}
		tampered := bytes.Replace(raw, oldLine, newLine, 1)
		_, err := note.Open(tampered, note.VerifierList(verifier))
		var invalid *note.InvalidSignatureError
		if !errors.As(err, &invalid) {
			return "", fmt.Errorf("note.Open of a changed note: %v, want InvalidSignatureError", err)
		}
		return err.Error(), nil
	})
}

// readEntries fetches every entry bundle of the tree; it returns the leaf hashes, or nil after a
// failure.
func readEntries(r *results, src source, size int64) []tlog.Hash {
	var leaves []tlog.Hash
	var entries [][]byte
	var partial string
	ok := r.check("entries: every entry bundle (full and partial) parses into its width of entries", func() (string, error) {
		for n := int64(0); n*tileWidth < size; n++ {
			w := size - n*tileWidth
			if w > tileWidth {
				w = tileWidth
			}
			path, err := c2spPath(tlog.Tile{H: tileHeight, L: -1, N: n, W: int(w)})
			if err != nil {
				return "", err
			}
			data, err := src.Get(path)
			if err != nil {
				return "", err
			}
			bundle, err := parseBundle(data)
			if err != nil {
				return "", fmt.Errorf("%s: %v", path, err)
			}
			if int64(len(bundle)) != w {
				return "", fmt.Errorf("%s: %d entries, want %d", path, len(bundle), w)
			}
			if w < tileWidth {
				partial = path
			}
			for _, entry := range bundle {
				entries = append(entries, entry)
				leaves = append(leaves, tlog.RecordHash(entry))
			}
		}
		detail := fmt.Sprintf("%d entries in %d bundles", len(entries), (size+tileWidth-1)/tileWidth)
		if partial != "" {
			detail += ", partial " + partial
		}
		return detail, nil
	})
	if !ok {
		return nil
	}
	// Not a C2SP rule: the hocba record header (docs/decisions.md) is version 0x01 then the
	// big-endian index, so an entry out of place would show here before the tree does.
	r.check("entries: each hocba record header has version 1 and its own index", func() (string, error) {
		for i, entry := range entries {
			if len(entry) < 9 || entry[0] != 0x01 || binary.BigEndian.Uint64(entry[1:9]) != uint64(i) {
				return "", fmt.Errorf("entry %d starts %x", i, entry[:minInt(len(entry), 9)])
			}
		}
		return "", nil
	})
	return leaves
}

func minInt(a, b int) int {
	if a < b {
		return a
	}
	return b
}

// checkReceipts compares the leaf hashes in the node's receipts with RecordHash of the entries.
func checkReceipts(r *results, path string, leaves []tlog.Hash) {
	r.check("receipts: each receipt's leaf_hash equals tlog.RecordHash of the entry at its index", func() (string, error) {
		f, err := os.Open(path)
		if err != nil {
			return "", err
		}
		defer f.Close()
		count := 0
		scanner := bufio.NewScanner(f)
		for scanner.Scan() {
			fields := strings.Fields(scanner.Text())
			if len(fields) != 2 {
				return "", fmt.Errorf("bad receipts line %q", scanner.Text())
			}
			index, err := strconv.ParseInt(fields[0], 10, 64)
			if err != nil || index < 0 || index >= int64(len(leaves)) {
				return "", fmt.Errorf("receipt index %q is not in the tree of size %d", fields[0], len(leaves))
			}
			if got := leaves[index].String(); got != fields[1] {
				return "", fmt.Errorf("index %d: receipt leaf_hash %s, RecordHash(entry) %s", index, fields[1], got)
			}
			count++
		}
		if err := scanner.Err(); err != nil {
			return "", err
		}
		if count == 0 {
			return "", errors.New("no receipts")
		}
		return fmt.Sprintf("%d receipts", count), nil
	})
}

// checkHashTiles fetches every hash tile of the tree and compares it with Go's.
func checkHashTiles(r *results, src source, size int64, memory tlog.HashReader) {
	for level := 0; size>>(uint(level)*tileHeight) > 0; level++ {
		count := size >> (uint(level) * tileHeight)
		var tiles []tlog.Tile
		for n := int64(0); n < count/tileWidth; n++ {
			tiles = append(tiles, tlog.Tile{H: tileHeight, L: level, N: n, W: tileWidth})
		}
		if rem := count % tileWidth; rem > 0 {
			tiles = append(tiles, tlog.Tile{H: tileHeight, L: level, N: count / tileWidth, W: int(rem)})
		}
		r.check(fmt.Sprintf("tiles: every level-%d hash tile is byte-identical to tlog.ReadTileData", level), func() (string, error) {
			var paths []string
			for _, t := range tiles {
				path, err := c2spPath(t)
				if err != nil {
					return "", err
				}
				got, err := src.Get(path)
				if err != nil {
					return "", err
				}
				want, err := tlog.ReadTileData(t, memory)
				if err != nil {
					return "", err
				}
				if !bytes.Equal(got, want) {
					return "", fmt.Errorf("%s differs: %d bytes, Go's %d bytes, first difference at byte %d",
						path, len(got), len(want), firstDifference(got, want))
				}
				paths = append(paths, path)
			}
			return fmt.Sprintf("%d tile(s): %s", len(paths), abbreviate(paths)), nil
		})
	}
}

func firstDifference(a, b []byte) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return minInt(len(a), len(b))
}

func abbreviate(paths []string) string {
	if len(paths) <= 4 {
		return strings.Join(paths, " ")
	}
	return fmt.Sprintf("%s %s … %s", paths[0], paths[1], paths[len(paths)-1])
}

// checkRecordProofs proves a spread of records with Go's tlog over the log's tiles.
func checkRecordProofs(r *results, cp *checkpoint, tiles tlog.TileReader, thr tlog.HashReader, leaves []tlog.Hash) {
	size := cp.tree.N
	seen := make(map[int64]bool)
	var indexes []int64
	add := func(i int64) {
		if i >= 0 && i < size && !seen[i] {
			seen[i] = true
			indexes = append(indexes, i)
		}
	}
	for _, i := range []int64{0, 1, 2, 255, 256, 257, 511, 512, 767, 768, 1023, 1024, size / 2, size - 2, size - 1} {
		add(i)
	}
	state := uint64(size)*0x9e3779b97f4a7c15 + 1
	for k := 0; k < 5; k++ {
		state ^= state << 13
		state ^= state >> 7
		state ^= state << 17
		add(int64(state % uint64(size)))
	}
	sort.Slice(indexes, func(a, b int) bool { return indexes[a] < indexes[b] })
	if size >= tileWidth {
		// A proof of record 0 through the full tile tile/0/000 with the hash of record 1 (bytes
		// 32..63) corrupted must not check. Go's TileHashReader (x/mod v0.7.0) does not always
		// authenticate such a tile itself: when two subtree roots of the tree hash lie in one
		// tile it starts its parent check at len(stx), past some of the tiles it fetched for the
		// indexes; CheckRecord against the signed root still refuses the proof.
		r.check("proofs: a proof through a corrupted level-0 tile does not check", func() (string, error) {
			bad := &corruptingReader{inner: tiles, target: &tlog.Tile{H: tileHeight, L: 0, N: 0, W: tileWidth}, at: 32}
			proof, err := tlog.ProveRecord(size, 0, tlog.TileHashReader(cp.tree, bad))
			if err != nil {
				return fmt.Sprintf("ProveRecord refused %s: %v", bad.flipped, err), nil
			}
			if bad.flipped == "" {
				return "", errors.New("ProveRecord did not read tile/0/000")
			}
			if err := tlog.CheckRecord(proof, size, cp.tree.Hash, 0, leaves[0]); err == nil {
				return "", fmt.Errorf("CheckRecord accepted a proof from corrupted %s", bad.flipped)
			}
			return fmt.Sprintf("ProveRecord returned a proof from corrupted %s unchecked (TileHashReader did not authenticate it); CheckRecord refused it", bad.flipped), nil
		})
	}
	for _, i := range indexes {
		i := i
		r.check(fmt.Sprintf("proofs: tlog.ProveRecord/CheckRecord for index %d of %d", i, size), func() (string, error) {
			proof, err := tlog.ProveRecord(size, i, thr)
			if err != nil {
				return "", fmt.Errorf("ProveRecord: %v", err)
			}
			if err := tlog.CheckRecord(proof, size, cp.tree.Hash, i, leaves[i]); err != nil {
				return "", fmt.Errorf("CheckRecord: %v", err)
			}
			if size > 1 {
				other := leaves[(i+1)%size]
				if other != leaves[i] && tlog.CheckRecord(proof, size, cp.tree.Hash, i, other) == nil {
					return "", errors.New("CheckRecord accepted the leaf hash of another entry")
				}
			}
			return fmt.Sprintf("%d hashes", len(proof)), nil
		})
	}
}

// checkConsistency proves that the tree of an older checkpoint is a prefix of the current one.
func checkConsistency(r *results, oldPath string, verifier note.Verifier, cp *checkpoint, thr, memory tlog.HashReader) {
	name := fmt.Sprintf("consistency: tlog.ProveTree/CheckTree from %s", filepath.Base(oldPath))
	r.check(name, func() (string, error) {
		raw, err := os.ReadFile(oldPath)
		if err != nil {
			return "", err
		}
		old, err := openCheckpoint(raw, verifier)
		if err != nil {
			return "", fmt.Errorf("older checkpoint: %v", err)
		}
		if old.origin != cp.origin {
			return "", fmt.Errorf("older checkpoint is of origin %q", old.origin)
		}
		if old.tree.N > cp.tree.N {
			return "", fmt.Errorf("older checkpoint has size %d > %d", old.tree.N, cp.tree.N)
		}
		// The prefix recomputed from the entries must have the older root too.
		if h, err := tlog.TreeHash(old.tree.N, memory); err != nil || h != old.tree.Hash {
			return "", fmt.Errorf("the first %d entries hash to %s (%v), older checkpoint has %s", old.tree.N, h, err, old.tree.Hash)
		}
		if old.tree.N == cp.tree.N {
			if old.tree.Hash != cp.tree.Hash {
				return "", fmt.Errorf("same size %d, roots %s and %s", old.tree.N, old.tree.Hash, cp.tree.Hash)
			}
			return fmt.Sprintf("same size %d, same root", old.tree.N), nil
		}
		proof, err := tlog.ProveTree(cp.tree.N, old.tree.N, thr)
		if err != nil {
			return "", fmt.Errorf("ProveTree: %v", err)
		}
		if err := tlog.CheckTree(proof, cp.tree.N, cp.tree.Hash, old.tree.N, old.tree.Hash); err != nil {
			return "", fmt.Errorf("CheckTree: %v", err)
		}
		wrong := old.tree.Hash
		wrong[0] ^= 0x01
		if tlog.CheckTree(proof, cp.tree.N, cp.tree.Hash, old.tree.N, wrong) == nil {
			return "", errors.New("CheckTree accepted a wrong older root")
		}
		return fmt.Sprintf("%d → %d, %d hashes", old.tree.N, cp.tree.N, len(proof)), nil
	})
}
