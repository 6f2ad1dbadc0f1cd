#ifndef CJIFEN_SHA256_H
#define CJIFEN_SHA256_H

#include <stddef.h>
#include <stdint.h>

/// Whether this CPU has the SHA extensions (x86-64's SHA-NI, with SSSE3 and SSE4.1) that `jifen_sha256` uses.
/// When it has not, `jifen_sha256` must not be called: the caller hashes through swift-crypto instead.
int jifen_sha256_available(void);

/// SHA-256 of `count` bytes at `data`, written to `digest` (32 bytes), with the SHA extensions, in one call: no
/// context allocated, no bytes copied but the last partial block. Only when `jifen_sha256_available()`.
void jifen_sha256(const uint8_t *data, size_t count, uint8_t digest[32]);

#endif
