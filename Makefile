# Tutti: every entry point.  Plain GNU make, no configure step.
#
#   make run        the product with demo data on http://127.0.0.1:$(PORT)
#   make test       every suite; last line "N passed, N failed"
#   make start/stop the same stack in the background
#   make bench | fuzz | sanitize
#
# B is the build folder, VAR the state folder (database, socket, logs).

B	?= build
VAR	?= var
PORT	?= 8080
PREFIX	?= /usr/local

CC	?= cc
PKGS	 = sqlite3 libsodium libical libcurl fcgi libqrencode
WARN	 = -Wall -Wextra -Werror -Wshadow -Wformat=2
OPT	?= -O2
CFLAGS_ALL = -std=c11 -g $(OPT) $(WARN) -D_DEFAULT_SOURCE -D_XOPEN_SOURCE=700 \
	  -I. -I$(B)/gen $(SAN) $(CFLAGS) \
	  $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS_ALL = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm $(LDLIBS)
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null)

# Debian packages: RUN_DEBS build and run the product (make run, make
# run-deps); TEST_DEBS are the test tools added by make test (make deps).
RUN_DEBS = build-essential pkg-config libfcgi-dev libsqlite3-dev sqlite3 \
	  libsodium-dev libical-dev libcurl4-openssl-dev libqrencode-dev \
	  nginx curl tzdata ca-certificates procps
TEST_DEBS = check libsubunit-dev openssl \
	  python3 python3-aiosmtpd python3-icalendar \
	  chromium wrk valgrind clang libclang-rt-14-dev psmisc
DEBS	 = $(RUN_DEBS) $(TEST_DEBS)
# The oldest Node.js the browser tests run on: "engines" in their
# package.json (Debian 12 ships 18).
NODE_MIN = $(shell sed -n 's/.*"node": *">=\([0-9]*\)".*/\1/p' \
	  tests/browser/package.json)

# The library is one archive per layer, built in dependency order: a
# layer may use those before it, never one after it.  Programs link the
# archives the other way round (cgi first, util last), so that a call
# from a lower layer into a higher one (db/ into core/, say) finds no
# definition and fails to link.  Every .c in a layer's folder is part of
# it, except the programs' own main files (*_main.c).
LAYERS	 = util templates sched db ical mail core cgi
LINK_ORDER = cgi core mail ical db sched templates util
layer_src = $(filter-out %_main.c,$(wildcard $(1)/*.c))
LIB_SRC	 = $(foreach l,$(LAYERS),$(call layer_src,$(l)))
GEN_SRC	 = $(B)/gen/schema.c $(B)/gen/passwords.c
# Each generated file belongs to the layer that reads it.
GEN_LAYER_db  = schema
GEN_LAYER_cgi = passwords
LIBS	 = $(foreach l,$(LINK_ORDER),$(B)/lib/lib$(l).a)
SCHEMA	 = $(sort $(wildcard db/schema/*.sql))
# Header dependencies come from the compiler (-MMD -MP): a .d file beside
# each object, or under $(B)/dep for programs compiled and linked at once.
DEPFLAGS = -MMD -MP

PROGS	 = $(B)/tutti-fcgi $(B)/tuttictl \
	  $(if $(wildcard mail/mailer_main.c),$(B)/tutti-mailer)
UNIT_SRC = $(wildcard tests/unit/check_*.c)
UNITS	 = $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRC))
HELPERS	 = $(B)/tests/fcgi-hello

.PHONY: all chaos deps run-deps node-check run start stop test unit sanitize \
	fuzz fuzz-build bench bench-growth clean install browser-deps
all: $(PROGS) $(B)/lib/layers.ok

# deps-install LIST NODE: installs the packages of LIST that are missing
# (apt-get runs only then); NODE=1 adds nodejs and npm when npm is not
# found (a newer Node.js from elsewhere is kept).
define deps-install
	@missing=; for p in $(1); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
	    grep -q '^install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$(2)" ] && ! command -v npm >/dev/null 2>&1; then \
	  missing="$$missing nodejs npm"; fi; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing$$missing"; \
	  sudo=; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  $$sudo apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q \
	    --no-install-recommends $$missing; \
	fi
endef

run-deps:
	$(call deps-install,$(RUN_DEBS))

deps:
	$(call deps-install,$(DEBS),1)
	@$(MAKE) --no-print-directory node-check

# The browser tests' npm packages need Node.js $(NODE_MIN) or newer.
node-check:
	@v=$$(node -p 'process.versions.node' 2>/dev/null); \
	if [ -z "$$v" ]; then \
	  echo "deps: no Node.js found (node is not in PATH)." \
	    "Install Debian's: apt-get install nodejs npm" >&2; exit 1; \
	fi; \
	if [ "$${v%%.*}" -lt $(NODE_MIN) ]; then \
	  echo "deps: Node.js $$v at $$(command -v node) is too old: the" \
	    "browser tests need Node.js $(NODE_MIN) or newer" \
	    "(tests/browser/package.json). Debian 12's nodejs is 18;" \
	    "put a newer node first in PATH or remove the old one." >&2; \
	  exit 1; \
	fi

browser-deps: node-check tests/browser/node_modules/.installed
tests/browser/node_modules/.installed: tests/browser/package.json \
	    tests/browser/package-lock.json
	cd tests/browser && npm ci --no-audit --no-fund
	touch $@

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_ALL) $(DEPFLAGS) -c $< -o $@

$(B)/gen/schema.c: $(SCHEMA) db/embed-schema.sh
	@mkdir -p $(dir $@)
	sh db/embed-schema.sh $(SCHEMA) > $@.tmp && mv $@.tmp $@

$(B)/gen/passwords.c: data/common-passwords.txt data/embed-list.sh
	@mkdir -p $(dir $@)
	sh data/embed-list.sh auth_common_passwords $< > $@.tmp && mv $@.tmp $@

$(B)/obj/gen/%.o: $(B)/gen/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_ALL) $(DEPFLAGS) -c $< -o $@

# $(call layer_objs,OBJDIR,LAYER): the objects of one layer's archive.
layer_objs = $(patsubst %.c,$(B)/$(1)/%.o,$(call layer_src,$(2))) \
	  $(patsubst %,$(B)/$(1)/gen/%.o,$(GEN_LAYER_$(2)))

# $(call layer_rule,OBJDIR,LIBDIR,LAYER): the rule for one archive.
define layer_rule
$(B)/$(2)/lib$(3).a: $(call layer_objs,$(1),$(3))
	@mkdir -p $$(dir $$@)
	@rm -f $$@
	@echo "  AR      $$@"
	@ar rcs $$@ $$^
endef
$(foreach l,$(LAYERS),$(eval $(call layer_rule,obj,lib,$(l))))

# No layer calls into one above it (tests/layers.sh reads the symbols).
$(B)/lib/layers.ok: $(LIBS) tests/layers.sh
	@echo "  LAYERS  $(LAYERS)"
	@sh tests/layers.sh $(B)/lib $(LAYERS)
	@touch $@

$(B)/tutti-fcgi: $(B)/obj/cgi/fcgi_main.o $(LIBS)
	@echo "  LD      $@"
	@$(CC) $(SAN) -o $@ $^ $(LDLIBS_ALL)

CTL_OBJ	 = $(patsubst %.c,$(B)/obj/%.o,$(wildcard ctl/*.c))
$(B)/tuttictl: $(CTL_OBJ) $(LIBS)
	@echo "  LD      $@"
	@$(CC) $(SAN) -o $@ $^ $(LDLIBS_ALL)

$(B)/tutti-mailer: $(B)/obj/mail/mailer_main.o $(LIBS)
	@echo "  LD      $@"
	@$(CC) $(SAN) -o $@ $^ $(LDLIBS_ALL)

# Each suite links testlib (tests/unit/testlib.c): the SQL helpers and
# the in-process page harness.
TESTLIB	 = $(B)/obj/tests/testlib.o
$(TESTLIB): tests/unit/testlib.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_ALL) $(DEPFLAGS) $(shell pkg-config --cflags check) \
	  -c $< -o $@

$(B)/tests/check_%: tests/unit/check_%.c $(TESTLIB) $(LIBS)
	@mkdir -p $(dir $@) $(B)/dep
	@echo "  CCLD    $@"
	@$(CC) $(CFLAGS_ALL) $(DEPFLAGS) -MF $(B)/dep/$(@F).d -MT $@ \
	  $(shell pkg-config --cflags check) -o $@ $< \
	  $(TESTLIB) $(LIBS) $(CHECK_LIBS) $(LDLIBS_ALL)

$(B)/tests/fcgi-hello: tests/bench/fcgi_hello.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(LDLIBS_ALL)

$(B)/tests/%-bench: tests/bench/%_bench.c $(LIBS)
	@mkdir -p $(dir $@) $(B)/dep
	@echo "  CCLD    $@"
	@$(CC) $(CFLAGS_ALL) $(DEPFLAGS) -MF $(B)/dep/$(@F).d -MT $@ -o $@ $< \
	  $(LIBS) $(LDLIBS_ALL)

unit: $(UNITS)

# make test: unit suites, fuzz smoke runs, integration through nginx,
# load and fault tests, browser tests.
test: deps
	$(MAKE) all unit $(HELPERS) fuzz-build browser-deps
	B=$(B) sh tests/run.sh

# The whole suite again, built with AddressSanitizer and UBSan, and the
# unit suites under valgrind.
sanitize: deps
	$(MAKE) B=build-san OPT=-O1 \
	  SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  all unit build-san/tests/fcgi-hello browser-deps
	B=build-san TUTTI_SANITIZE=1 TEST_LOG=build-san/test.log sh tests/run.sh
	$(MAKE) unit
	B=$(B) VALGRIND=1 TEST_LOG=$(B)/valgrind.log sh tests/run.sh unit-valgrind

# libFuzzer targets, built with clang into $(B)/fuzz.  The library is
# compiled once for them (instrumented, without libFuzzer's main), into
# the same archives per layer under $(B)/fuzzlib, and each target links
# against those.
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZERS	 = $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRC))
FUZZ_CFLAGS = -std=c11 -g -O1 -D_DEFAULT_SOURCE -D_XOPEN_SOURCE=700 -I. \
	  -I$(B)/gen -fsanitize=fuzzer-no-link,address,undefined \
	  $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
FUZZ_LIBS = $(foreach l,$(LINK_ORDER),$(B)/fuzzlib/lib$(l).a)
fuzz-build: $(FUZZERS)
$(B)/fuzzobj/gen/%.o: $(B)/gen/%.c
	@mkdir -p $(dir $@)
	@echo "  CLANG   $<"
	@clang $(FUZZ_CFLAGS) $(DEPFLAGS) -c $< -o $@
$(B)/fuzzobj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CLANG   $<"
	@clang $(FUZZ_CFLAGS) $(DEPFLAGS) -c $< -o $@
$(foreach l,$(LAYERS),$(eval $(call layer_rule,fuzzobj,fuzzlib,$(l))))
$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIBS)
	@mkdir -p $(dir $@) $(B)/dep
	@echo "  FUZZ    $@"
	@clang $(FUZZ_CFLAGS) $(DEPFLAGS) -MF $(B)/dep/$(@F).d -MT $@ \
	  -fsanitize=fuzzer -o $@ $< $(FUZZ_LIBS) $(LDLIBS_ALL)

FUZZ_SECONDS ?= 600
fuzz: deps fuzz-build
	for f in $(FUZZERS); do \
	  n=$$(basename $$f); mkdir -p var/fuzz/$$n; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    var/fuzz/$$n tests/fuzz/corpus/$${n#fuzz_} || exit 1; \
	done

# Issue 14's fault-injection experiments, long forms (about 5 minutes):
# SMTP refusals at each stage and a hung server, crashes under load, a
# held write lock; prints queued, delivered, duplicated and lost.
chaos: deps
	$(MAKE) all
	B=$(B) bash tests/chaos/chaos.sh

bench: deps
	$(MAKE) all $(HELPERS) $(B)/tests/sched-bench $(B)/tests/match-bench
	B=$(B) sh tests/bench/run.sh
	@{ echo; echo '## Matching, planning and mail'; echo; echo '```'; \
	  $(B)/tests/sched-bench; $(B)/tests/match-bench; \
	  B=$(B) bash tests/bench/mail_bench.sh; \
	  B=$(B) bash tests/bench/feed_bench.sh; echo '```'; } \
	  | tee -a bench/results.md
	B=$(B) bash tests/bench/growth.sh

# The growth table alone (issue 21): every page at the demo's size and
# at N=1, Y=6 (N=10, Y=6 too when its database is in GROWTH_DATA, or
# with BENCH_N10=1), appended to bench/results.md.
bench-growth: deps
	$(MAKE) all $(HELPERS)
	B=$(B) bash tests/bench/growth.sh

run: run-deps all
	B=$(B) VAR=$(VAR) PORT=$(PORT) sh ctl/stack.sh run

start: run-deps all
	B=$(B) VAR=$(VAR) PORT=$(PORT) sh ctl/stack.sh start

stop:
	B=$(B) VAR=$(VAR) PORT=$(PORT) sh ctl/stack.sh stop

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/tutti
	install -m 755 $(PROGS) $(DESTDIR)$(PREFIX)/bin/
	cp -R templates static nginx db/schema data $(DESTDIR)$(PREFIX)/share/tutti/
	# The production nginx site and systemd units, with this PREFIX.
	sed 's|/usr/local|$(PREFIX)|g' nginx/production.conf \
	  > $(DESTDIR)$(PREFIX)/share/tutti/nginx/production.conf
	install -d $(DESTDIR)$(PREFIX)/lib/systemd/system
	for u in systemd/*.service; do \
	  sed 's|/usr/local|$(PREFIX)|g' $$u > \
	    $(DESTDIR)$(PREFIX)/lib/systemd/system/$$(basename $$u) && \
	  chmod 644 $(DESTDIR)$(PREFIX)/lib/systemd/system/$$(basename $$u) \
	  || exit 1; \
	done

clean:
	rm -rf build build-san

# The header dependencies the compiler wrote (none before the first build).
-include $(wildcard $(B)/obj/*/*.d $(B)/fuzzobj/*/*.d $(B)/dep/*.d)
