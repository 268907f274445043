# Humans — build, run and test on Debian/Ubuntu.
#
#   make run    install what Fyne needs to build (if missing), build, open the window
#   make test   run every test (the Fyne UI tests run headless, no display needed)

SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(HOME)/go/bin:$(PATH)

GO        ?= go
VERSION   ?= 0.1.0-dev
# fyne.Do migration is on in FyneApp.toml; the tag tells Fyne so at build time.
TAGS      ?= migrated_fynedo
LDFLAGS   ?= -s -w -X main.version=$(VERSION)
BENCHTIME ?= 1s
# Race detector on by default; RACE= turns it off.
RACE      ?= -race

# The Debian packages Fyne's cgo (GLFW/OpenGL) build needs.
DEB_PACKAGES := gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev \
	libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev
# What the tests drive: vdirsyncer, a real CardDAV client (carddav/server).
DEB_PACKAGES += vdirsyncer

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps build run test bench bench-radicale lint clean

all: build

deps:
	@if ! command -v dpkg-query >/dev/null; then \
		echo "not Debian/Ubuntu: install Fyne's build requirements yourself (a C compiler, GL and X11 headers)"; exit 0; \
	fi; \
	missing=""; \
	for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends $$missing; \
	else \
		echo "system packages for Fyne and the tests: all present"; \
	fi

build:
	$(GO) build -tags '$(TAGS)' -ldflags '$(LDFLAGS)' -o bin/humans .

# make run ARGS='--data /tmp/book' passes arguments to humans.
run: deps build
	./bin/humans $(ARGS)

test: deps
	$(GO) test $(RACE) -tags '$(TAGS)' -count=1 ./...

bench:
	$(GO) test -tags '$(TAGS)' -run '^$$' -bench . -benchmem -benchtime=$(BENCHTIME) -timeout 30m ./...

# The CardDAV server against Radicale, same cards, same client
# (N=1000 make bench-radicale for a quick run).
bench-radicale:
	N=$${N:-10000} scripts/bench-radicale.sh

lint:
	@out="$$(gofmt -l .)"; \
	if [ -n "$$out" ]; then echo "gofmt -l: these files need gofmt -w:"; echo "$$out"; exit 1; fi
	$(GO) vet -tags '$(TAGS)' ./...

clean:
	rm -rf bin
	$(GO) clean -testcache
