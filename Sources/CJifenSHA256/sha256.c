// SHA-256 (FIPS 180-4) over one contiguous buffer with x86-64's SHA extensions: the chain's hash in `verify`, one
// per event. swift-crypto computes the same digest with the same instructions, but allocates and frees a context
// object for every hash and copies the message into it; this takes the buffer as it is (docs/PERFORMANCE.md, "Verify:
// the chain's hash in one call"). Held to swift-crypto's SHA256 by JifenStoreTests (every length 0–300, and more).

#include "CJifenSHA256.h"
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

int jifen_sha256_available(void) {
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int ssse3 = (c >> 9) & 1, sse41 = (c >> 19) & 1;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    int sha = (b >> 29) & 1;
    return ssse3 && sse41 && sha;
}

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/// Four rounds: the words `words` of group `group` with their constants.
#define ROUNDS(group, words)                                                                     \
    do {                                                                                         \
        __m128i message = _mm_add_epi32(words, _mm_loadu_si128((const __m128i *)(K + 4 * (group)))); \
        state1 = _mm_sha256rnds2_epu32(state1, state0, message);                                 \
        message = _mm_shuffle_epi32(message, 0x0E);                                              \
        state0 = _mm_sha256rnds2_epu32(state0, state1, message);                                 \
    } while (0)

/// The next four words of the schedule, in place of the oldest four (`w0`; `w3` the newest):
/// W[i..i+3] = σ1(W[i-2]) + W[i-7] + σ0(W[i-15]) + W[i-16].
#define SCHEDULE(w0, w1, w2, w3) \
    w0 = _mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32(w0, w1), _mm_alignr_epi8(w3, w2, 4)), w3)

/// The compression of `blocks` 64-byte blocks at `data` into the state, kept as the SHA instructions want it
/// (`abef`: A B E F, `cdgh`: C D G H). Written out round group by round group, so that the schedule's four words stay
/// in registers (as a loop over an array of them, the compiler kept them in memory, and it ran slower than swift-crypto's).
__attribute__((target("sha,sse4.1,ssse3")))
static void compress(__m128i *abef, __m128i *cdgh, const uint8_t *data, size_t blocks) {
    const __m128i order = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i state0 = *abef, state1 = *cdgh;
    for (; blocks > 0; blocks--, data += 64) {
        __m128i save0 = state0, save1 = state1;
        __m128i m0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 0)), order);
        ROUNDS(0, m0);
        __m128i m1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16)), order);
        ROUNDS(1, m1);
        __m128i m2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 32)), order);
        ROUNDS(2, m2);
        __m128i m3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 48)), order);
        ROUNDS(3, m3);
        SCHEDULE(m0, m1, m2, m3); ROUNDS(4, m0);
        SCHEDULE(m1, m2, m3, m0); ROUNDS(5, m1);
        SCHEDULE(m2, m3, m0, m1); ROUNDS(6, m2);
        SCHEDULE(m3, m0, m1, m2); ROUNDS(7, m3);
        SCHEDULE(m0, m1, m2, m3); ROUNDS(8, m0);
        SCHEDULE(m1, m2, m3, m0); ROUNDS(9, m1);
        SCHEDULE(m2, m3, m0, m1); ROUNDS(10, m2);
        SCHEDULE(m3, m0, m1, m2); ROUNDS(11, m3);
        SCHEDULE(m0, m1, m2, m3); ROUNDS(12, m0);
        SCHEDULE(m1, m2, m3, m0); ROUNDS(13, m1);
        SCHEDULE(m2, m3, m0, m1); ROUNDS(14, m2);
        SCHEDULE(m3, m0, m1, m2); ROUNDS(15, m3);
        state0 = _mm_add_epi32(state0, save0);
        state1 = _mm_add_epi32(state1, save1);
    }
    *abef = state0;
    *cdgh = state1;
}

__attribute__((target("sha,sse4.1,ssse3")))
void jifen_sha256(const uint8_t *data, size_t count, uint8_t digest[32]) {
    static const uint32_t initial[8] = {
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    };
    // H0…H7 rearranged into A B E F and C D G H (each register's lanes from the highest: A B E F).
    __m128i low = _mm_loadu_si128((const __m128i *)initial);         // D C B A (lanes 3…0)
    __m128i high = _mm_loadu_si128((const __m128i *)(initial + 4));  // H G F E
    low = _mm_shuffle_epi32(low, 0xB1);                               // C D A B
    high = _mm_shuffle_epi32(high, 0x1B);                             // E F G H
    __m128i abef = _mm_alignr_epi8(low, high, 8);                     // A B E F
    __m128i cdgh = _mm_blend_epi16(high, low, 0xF0);                  // C D G H

    size_t whole = count / 64;
    compress(&abef, &cdgh, data, whole);

    // The last partial block, the 0x80 byte, zeros, and the length in bits (big-endian): one block or two.
    uint8_t tail[128];
    size_t rest = count - whole * 64;
    if (rest > 0) memcpy(tail, data + whole * 64, rest);
    tail[rest] = 0x80;
    size_t blocks = rest < 56 ? 1 : 2;
    memset(tail + rest + 1, 0, blocks * 64 - 8 - (rest + 1));
    uint64_t bits = (uint64_t)count * 8;
    for (int i = 0; i < 8; i++) tail[blocks * 64 - 1 - i] = (uint8_t)(bits >> (8 * i));
    compress(&abef, &cdgh, tail, blocks);

    // Back to H0…H7, each big-endian.
    __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
    __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
    __m128i dcba = _mm_blend_epi16(feba, dchg, 0xF0);
    __m128i hgfe = _mm_alignr_epi8(dchg, feba, 8);
    const __m128i bytes = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    _mm_storeu_si128((__m128i *)digest, _mm_shuffle_epi8(dcba, bytes));
    _mm_storeu_si128((__m128i *)(digest + 16), _mm_shuffle_epi8(hgfe, bytes));
}

#else

int jifen_sha256_available(void) { return 0; }

void jifen_sha256(const uint8_t *data, size_t count, uint8_t digest[32]) {
    (void)data;
    (void)count;
    memset(digest, 0, 32);
}

#endif
