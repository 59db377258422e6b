package main

// countyd release: signed kiosk updates (docs/updates.md). keygen and
// sign run on the offline signing machine with the private key file;
// add, publish, pilots and list run at the county, which holds no key.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"slices"
	"strings"
	"time"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/protocol"
	"github.com/yichuang/yichuang/sync/release"
)

const releaseUsage = `countyd release SUBCOMMAND [flags]:
  keygen  -out NAME                     make NAME.secret (keep offline) and NAME.pub (ship with the kiosk)
  sign    -key NAME.secret -binary FILE -version V [-track stable -os linux -arch amd64 -expires 720h -next-key NEW.pub] -out FILE.manifest
  add     -manifest FILE.manifest -binary FILE [-key NAME.pub]   upload a signed release (not yet offered)
  publish -version V [-os linux -arch amd64] -channel pilot|all|none [-by LOGIN]   offer it (none withdraws it)
  pilots  [-set CODE,DEVICE,…] [-by LOGIN]   show or replace the pilot's service points and devices
  list                                  releases, their channel and their kiosks' update states`

var releaseSubcommands = []string{"keygen", "sign", "add", "publish", "pilots", "list"}

func releaseCmd(ctx context.Context, fs *flag.FlagSet, args []string, out io.Writer, data *string) error {
	// The subcommand may follow the common flags (countyd release -data
	// DIR list), as the other commands take them.
	sub := ""
	for i, a := range args {
		if slices.Contains(releaseSubcommands, a) {
			sub, args = a, append(slices.Clone(args[:i]), args[i+1:]...)
			break
		}
	}
	fs.Init("countyd release "+sub, flag.ContinueOnError)
	switch sub {
	case "keygen":
		return releaseKeygen(fs, args, out)
	case "sign":
		return releaseSign(fs, args, out)
	case "add":
		return releaseAdd(ctx, fs, args, out, data)
	case "publish":
		return releasePublish(ctx, fs, args, out, data)
	case "pilots":
		return releasePilots(ctx, fs, args, out, data)
	case "list":
		return releaseList(ctx, fs, args, out, data)
	}
	fmt.Fprintln(fs.Output(), releaseUsage)
	return errUsage
}

func releaseKeygen(fs *flag.FlagSet, args []string, out io.Writer) error {
	name := fs.String("out", "update-key", "key file name: NAME.secret and NAME.pub are written")
	if err := parse(fs, args); err != nil {
		return err
	}
	pub, priv, err := release.GenerateKey()
	if err != nil {
		return err
	}
	// O_EXCL: a second keygen must never overwrite the key the fleet trusts.
	f, err := os.OpenFile(*name+".secret", os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("write secret key: %w", err)
	}
	if _, err := f.Write(release.MarshalPrivateKey(priv)); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.WriteFile(*name+".pub", release.MarshalPublicKey(pub), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(out, "key %s: %s.secret (keep offline), %s.pub (install as /usr/share/yichuang/update-key.pub)\n", release.KeyID(pub), *name, *name)
	return nil
}

func releaseSign(fs *flag.FlagSet, args []string, out io.Writer) error {
	keyFile := fs.String("key", "", "secret key file (countyd release keygen)")
	bin := fs.String("binary", "", "the kiosk binary to sign")
	version := fs.String("version", "", "its version, MAJOR.MINOR.PATCH (what yichuang --version says)")
	track := fs.String("track", "stable", "release track the kiosks follow")
	goos := fs.String("os", "linux", "the binary's OS (Go's GOOS)")
	arch := fs.String("arch", "amd64", "the binary's architecture (Go's GOARCH)")
	expires := fs.Duration("expires", 30*24*time.Hour, "how long the signature stays good: kiosks refuse the manifest after")
	nextKey := fs.String("next-key", "", "public key file of the key that signs the next releases (key rotation)")
	outFile := fs.String("out", "", "manifest file to write (default BINARY.manifest)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *keyFile == "" || *bin == "" || *version == "" {
		return fmt.Errorf("-key, -binary and -version are required")
	}
	raw, err := os.ReadFile(*keyFile)
	if err != nil {
		return err
	}
	priv, err := release.ParsePrivateKey(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", *keyFile, err)
	}
	sha, size, err := hashFile(*bin)
	if err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Second)
	m := release.Manifest{Product: release.Product, Version: *version, Track: *track, OS: *goos, Arch: *arch,
		SHA256: sha, Size: size, Signed: now, Expires: now.Add(*expires)}
	if *nextKey != "" {
		b, err := os.ReadFile(*nextKey)
		if err != nil {
			return err
		}
		keys, err := release.ParsePublicKeys(b)
		if err != nil || len(keys) != 1 {
			return fmt.Errorf("%s: want one public key (%v)", *nextKey, err)
		}
		m.NextKey = base64.StdEncoding.EncodeToString(keys[0])
	}
	signed, err := release.Sign(priv, m)
	if err != nil {
		return err
	}
	if *outFile == "" {
		*outFile = *bin + ".manifest"
	}
	if err := os.WriteFile(*outFile, signed, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(out, "signed %s %s %s/%s (%d bytes, sha256 %s) until %s: %s\n", m.Product, m.Version, m.OS, m.Arch, m.Size, m.SHA256,
		m.Expires.Format(time.RFC3339), *outFile)
	return nil
}

func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

func releaseAdd(ctx context.Context, fs *flag.FlagSet, args []string, out io.Writer, data *string) error {
	manifest := fs.String("manifest", "", "signed manifest (countyd release sign)")
	bin := fs.String("binary", "", "the binary it signs")
	keyFile := fs.String("key", "", "public key file: when given, the signature is checked here too")
	by := fs.String("by", currentUser(), "who uploads (kept with the release)")
	dbURL := databaseFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	signed, err := os.ReadFile(*manifest)
	if err != nil {
		return err
	}
	if *keyFile != "" {
		raw, err := os.ReadFile(*keyFile)
		if err != nil {
			return err
		}
		keys, err := release.ParsePublicKeys(raw)
		if err != nil {
			return fmt.Errorf("%s: %w", *keyFile, err)
		}
		if _, err := release.Verify(signed, keys); err != nil {
			return fmt.Errorf("the manifest does not verify against %s: %w", *keyFile, err)
		}
	}
	f, err := os.Open(*bin)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := openAny(ctx, *dbURL, *data)
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := st.AddRelease(ctx, bytes.TrimSpace(signed), f, *by)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "added %s %s/%s (%d bytes, sha256 %s); offer it with countyd release publish -version %s -channel pilot\n",
		r.Version, r.OS, r.Arch, r.Size, r.SHA256, r.Version)
	return nil
}

func currentUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "countyd"
}

// cliAudit is the audit row of a release command run at the county
// machine: who ran it (the -by login, else the OS user) and "local".
func cliAudit(by, cmd string) county.AuditEntry {
	return county.AuditEntry{StaffLogin: by, StaffName: "countyd release " + cmd, ClientIP: "local"}
}

func releasePublish(ctx context.Context, fs *flag.FlagSet, args []string, out io.Writer, data *string) error {
	version := fs.String("version", "", "release version")
	goos := fs.String("os", "linux", "release OS")
	arch := fs.String("arch", "amd64", "release architecture")
	channel := fs.String("channel", "", "pilot (the pilot's service points and devices), all, or none (withdraw it)")
	by := fs.String("by", currentUser(), "who publishes (audited)")
	st, err := parseAndOpenAny(ctx, fs, args, data)
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := st.PublishRelease(ctx, *version, *goos, *arch, *channel, cliAudit(*by, "publish"))
	if errors.Is(err, county.ErrNotFound) {
		return fmt.Errorf("no release %s for %s/%s was added", *version, *goos, *arch)
	}
	if err != nil {
		return err
	}
	if *channel == county.ChannelNone {
		fmt.Fprintf(out, "withdrew %s %s/%s\n", *version, *goos, *arch)
		return nil
	}
	fmt.Fprintf(out, "published %s %s/%s to %s\n", r.Version, r.OS, r.Arch, r.Channel)
	return nil
}

func releasePilots(ctx context.Context, fs *flag.FlagSet, args []string, out io.Writer, data *string) error {
	set := fs.String("set", "", "comma-separated service point codes and device ids: the new pilot (\"-\" empties it)")
	by := fs.String("by", currentUser(), "who changes the pilot (audited)")
	st, err := parseAndOpenAny(ctx, fs, args, data)
	if err != nil {
		return err
	}
	defer st.Close()
	if *set != "" {
		members := strings.Split(*set, ",")
		if *set == "-" {
			members = nil
		}
		if err := st.SetReleasePilots(ctx, members, cliAudit(*by, "pilots")); err != nil {
			return err
		}
	}
	members, err := st.ReleasePilots(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "pilot: %s\n", strings.Join(members, " "))
	return nil
}

func releaseList(ctx context.Context, fs *flag.FlagSet, args []string, out io.Writer, data *string) error {
	st, err := parseAndOpenAny(ctx, fs, args, data)
	if err != nil {
		return err
	}
	defer st.Close()
	rels, err := st.ReleaseList(ctx)
	if err != nil {
		return err
	}
	for _, r := range rels {
		ch := r.Channel
		if ch == "" {
			ch = "unpublished"
		}
		counts, err := st.UpdateCounts(ctx, r.Version)
		if err != nil {
			return err
		}
		var states []string
		for _, s := range protocol.UpdateStates {
			if counts[s] > 0 {
				states = append(states, fmt.Sprintf("%s=%d", s, counts[s]))
			}
		}
		fmt.Fprintf(out, "%s\t%s/%s\t%s\t%d bytes\texpires %s\t%s\n", r.Version, r.OS, r.Arch, ch, r.Size,
			r.Expires.Format(time.DateOnly), strings.Join(states, " "))
	}
	return nil
}
