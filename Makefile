# Yichuang (一窗) — the two commands of the README, and a few helpers.
#   make run    start the kiosk (SQLite in the user's data dir, demo catalog)
#   make test   the whole suite
# Both install missing system packages first (packaging/deps.sh).

GO        ?= go
# go.mod's go line (1.26.11) is the floor that has the standard library's
# security fixes. An older Go fetches that toolchain from the module proxy,
# but only with GOTOOLCHAIN=auto; some installs default to local (see
# `go env GOTOOLCHAIN`) and would stop instead. GOTOOLCHAIN=local make ...
# forbids the download: an older Go then fails with a clear message.
GOTOOLCHAIN ?= auto
export GOTOOLCHAIN
# no_emoji drops Fyne's 4 MB colour emoji font, which a service hall never
# shows and which Fyne would otherwise parse per text style.
TAGS      := sqlite_fts5,no_emoji
# Pure-Go packages are also tested without cgo, so they stay usable anywhere
# (the county server, tools) and nothing display- or SQLite-bound creeps in.
PURE_PKGS := ./app/ids/... ./app/workday/... ./app/catalog/... ./app/servicepoint/... \
             ./app/locale/... ./app/msg/... ./app/clock/... ./app/textfold/... \
             ./app/tracking/... ./app/clerks/... ./app/cases/... ./app/blobs/... ./sync/protocol/... \
             ./sync/client/... ./app/casewire/... ./app/hallnet/... ./app/lockout/... ./app/internal/benchgrowth/...

.PHONY: run countyd test vulncheck vulndb-latest build package package-test bench bench-growth load fuzz screenshots deps-build deps-test deps-package

run: deps-build
	$(GO) run -tags $(TAGS) ./app $(ARGS)

# The county center on loopback (data in the user's data dir); see
# docs/protocol.md and `go run ./sync/countyd help` for its subcommands.
countyd: deps-build
	$(GO) run -tags $(TAGS) ./sync/countyd serve $(ARGS)

test: deps-test
	CGO_ENABLED=0 $(GO) test -count=1 $(PURE_PKGS)
	$(GO) vet -tags $(TAGS) ./...
	$(GO) test -count=1 -tags $(TAGS) -timeout 30m ./...

# govulncheck over the product's packages (not their tests) as built for
# Linux (kiosk, countyd) and for Windows (the kiosk's zip, cgo through
# mingw-w64, hence deps-package), against a pinned copy of the Go
# vulnerability database. packaging/vulndb builds the copy from the
# golang.org/x/vulndb module, which comes through the Go module proxy like any
# module, so this needs no access to vuln.go.dev. A newer pin: make
# vulndb-latest, then paste its two lines here. Against the live database
# instead (needs the internet): make vulncheck VULNCHECK_DB=https://vuln.go.dev
GOVULNCHECK    := golang.org/x/vuln/cmd/govulncheck@v1.9.0
VULNDB_VERSION := v0.0.0-20261105234957-e22db6528018
VULNDB_SUM     := h1:mfngRv0Yoh0VApsXKEN82CjD99kl7mtparN3bs3JnqI=
VULNCHECK_DB   ?=

vulncheck: deps-package
	@set -e; db="$(VULNCHECK_DB)"; \
	if [ -z "$$db" ]; then \
		dir=$$($(GO) run ./packaging/vulndb -version $(VULNDB_VERSION) -sum $(VULNDB_SUM)) || { \
			echo "make vulncheck: could not build the vulnerability database from $(VULNDB_VERSION) (is the Go module proxy reachable?)" >&2; exit 1; }; \
		db="file://$$dir"; \
	fi; \
	GOBIN=$(CURDIR)/bin $(GO) install $(GOVULNCHECK); \
	echo "== govulncheck linux/amd64 ./..."; \
	bin/govulncheck -db "$$db" -show version -tags $(TAGS) ./...; \
	echo "== govulncheck windows/amd64 ./app/..."; \
	GOOS=windows GOARCH=amd64 CGO_ENABLED=1 CC=x86_64-w64-mingw32-gcc bin/govulncheck -db "$$db" -tags $(TAGS) ./app/...

vulndb-latest:
	@$(GO) run ./packaging/vulndb -latest

build: deps-build
	mkdir -p bin
	$(GO) build -tags $(TAGS) -o bin/yichuang ./app
	$(GO) build -tags $(TAGS) -o bin/countyd ./sync/countyd

# Installers in dist/: the kiosk and countyd .deb, the Windows zip.
package: deps-package
	./packaging/build.sh

# Installs the .deb on this machine, checks it headless, and upgrades it
# to a newer build over existing cases (what CI runs after make test).
package-test: package
	./packaging/test-install.sh

# Benchmarks behind docs/performance.md; compare ratios from one run.
bench: deps-test
	$(GO) test -tags $(TAGS) -run '^$$' -bench Startup -benchtime 3x ./app/
	$(GO) test -tags $(TAGS) -run '^$$' -bench Search -benchtime 50x ./app/store/
	$(GO) test -tags $(TAGS) -run '^$$' -bench AcceptToReceipt -benchtime 1000x ./app/counter/
	$(GO) test -run '^$$' -bench . -benchmem ./printing/internal/ttfsubset/
	$(GO) test -tags $(TAGS) -run '^$$' -bench CallToBoard -benchtime 300x ./app/hall/
	$(GO) test -tags $(TAGS) -run '^$$' -bench GuideKeystroke -benchtime 20x ./app/services/
	$(GO) test -tags $(TAGS) -run '^$$' -bench 'AgentCases|SyncStatus' -benchtime 2s -count 3 ./app/store/
	$(GO) test -tags $(TAGS) -run '^$$' -bench 'Ingest$$' -benchtime 40x ./sync/countyd/county/
	# The county at size: YICHUANG_BENCH_CASES (default 20,000) generated through Apply.
	$(GO) test -tags $(TAGS) -run '^$$' -bench 'OfficePages|IngestAtSize' -benchtime 20x ./sync/countyd/county/
	$(GO) test -tags $(TAGS) -run '^$$' -bench UnderAttack -benchtime 1x ./sync/countyd/
	$(GO) test -tags $(TAGS) -run '^$$' -bench Drain -benchtime 1x -timeout 30m ./app/countylink/
	$(GO) test -tags $(TAGS) -run '^$$' -bench PhotoWeek -benchtime 1x -timeout 30m ./app/countylink/
	$(GO) test -run '^$$' -bench Normalize -benchtime 5x ./app/photo/
	$(GO) test -tags $(TAGS) -run '^$$' -bench AcceptVisibleAtAnotherMachine -benchtime 300x ./app/hallsync/
	$(GO) test -tags $(TAGS) -run '^$$' -bench Backfill -benchtime 1x -timeout 20m ./app/hallsync/

# Issue 18's tables in docs/performance.md: kiosk and county data generated
# through the product's own write paths at each size (once, cached in
# YICHUANG_GROWTH_DIR, default /var/tmp/yichuang-growth; 250k kiosk cases and
# 1M county cases (~4.9M events) take long the first time), each operation measured three
# times. SIZES=small (kiosk 1k, 10k; county 2k, 20k) takes ~2 minutes;
# SIZES=k1000,c20000 picks sizes. Not part of make test or make bench.
SIZES ?= full
bench-growth: deps-test
	$(GO) run ./app/internal/benchgrowth -sizes $(SIZES)

# 200 simulated kiosks push, pull and report to one countyd on loopback for
# LOAD (5m) while a county officer browses the back office; the page
# latencies go to docs/performance.md. DB=postgres: issue 19's figure, the
# rate of 20,000 devices syncing every 2 minutes against two countyd
# instances on one PostgreSQL, then both stores' ingest of the same events
# (make load DB=postgres LOAD=10m for the documented figure).
LOAD ?= 5m
DB ?= sqlite
LOADTEST_sqlite := TestLoad200Kiosks
LOADTEST_postgres := TestLoadPostgres
load: deps-test
	@test -n "$(LOADTEST_$(DB))" || { echo "DB=$(DB): want sqlite or postgres"; exit 2; }
	YICHUANG_LOAD=$(LOAD) $(GO) test -tags $(TAGS) -count=1 -run '^$(LOADTEST_$(DB))$$' -v -timeout 90m ./sync/countyd/

# A short fuzzing session of every fuzz target (go test runs their seeds anyway).
FUZZTIME ?= 30s
fuzz:
	for f in FuzzResidentID FuzzUSCC FuzzMobile; do \
		CGO_ENABLED=0 $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) ./app/ids || exit 1; done
	CGO_ENABLED=0 $(GO) test -run '^$$' -fuzz '^FuzzNormalize$$' -fuzztime $(FUZZTIME) ./app/tracking
	CGO_ENABLED=0 $(GO) test -run '^$$' -fuzz '^FuzzNormalize$$' -fuzztime $(FUZZTIME) ./app/photo
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./printing/internal/ttfsubset
	for f in FuzzDecodePush FuzzDecodeEnroll FuzzParseFeedQuery FuzzParseBlobPut FuzzPush; do \
		$(GO) test -tags $(TAGS) -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) ./sync/countyd/county || exit 1; done
	$(GO) test -tags $(TAGS) -run '^$$' -fuzz '^FuzzMaskText$$' -fuzztime $(FUZZTIME) ./sync/countyd/office
	CGO_ENABLED=0 $(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./sync/release
	CGO_ENABLED=0 $(GO) test -run '^$$' -fuzz '^FuzzCheckPayload$$' -fuzztime $(FUZZTIME) ./sync/protocol

# Regenerates docs/screenshots from the real kiosk under Xvfb.
screenshots: deps-test
	YICHUANG_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 -tags $(TAGS) -run 'TestKioskWindow' ./app/
	YICHUANG_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 -tags $(TAGS) -run 'TestEveryScreenFits/1280x800' ./app/
	YICHUANG_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 -tags $(TAGS) -run 'TestIntakeBundle|TestPrereviewAtTheCounter|TestSelfFilingAtTheTerminal|TestHallLookupAtTwoWindows' ./app/services/
	YICHUANG_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 -tags $(TAGS) -run 'TestClosedHallOffersBooking|TestLookupShowsTheMovedDueDate|TestLookupFindsWithoutTheCode|TestNextStaysUntilTheStepIsComplete|TestPeopleChangesAnAccount|TestPrereviewShowsThePhotos|TestFailedPrintNeverWidensTheWindow|TestDecideStepShowsWhatIsAccepted|TestApplicantFromTheCard|TestDeliveryChecksTheCollectorsCard' ./app/ui/ticket/ ./app/ui/intake/ ./app/ui/accounts/
	YICHUANG_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 -tags $(TAGS) -run 'TestSupervisorFollowsUp|TestOwnRatings' ./app/ui/followupui/
	$(GO) test -count=1 -run TestCaseDocuments ./printing/ -update
	YICHUANG_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 -run TestMonthlyReportPagesAndRepeatedHeader ./printing/
	YICHUANG_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 -run TestThermalTicketAndReceiptQR ./printing/
	YICHUANG_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 -tags $(TAGS) -run 'TestBrowserCorrection|TestEveryPageAccessible|TestDashboardInBrowser' ./sync/countyd/office/

deps-build:
	@./packaging/deps.sh build

deps-test:
	@./packaging/deps.sh test

deps-package:
	@./packaging/deps.sh package
