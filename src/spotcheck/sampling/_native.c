/*
 * spotcheck.sampling._native: the three hot loops of a large draw, in C.
 *
 * Ranking a working pool costs one SHA-256 per (drawn target, inspector): 145,000 targets and
 * a pool of 300 make 43.5 million hashes, and each one through hashlib costs more in Python
 * objects than in hashing. These functions compute exactly what the pure-Python kernels in
 * kernels.py and build.py compute (the tests compare them on every path), with the GIL
 * released. SHA-256 is implemented here (FIPS 180-4), with the x86 SHA extensions when the
 * CPU has them and a portable version otherwise.
 *
 *   digests(prefix, items, width) -> bytes       SHA-256(prefix || item) for each item
 *   rank(head, targets, lp_keys) -> list[bytes]  per target, pool indices by inspector ticket
 *   commitments(secret, keys, tag) -> (salts, hex)  HMAC salts and hex commitments
 *   implementation() -> str                      "sha-ni" or "portable"
 *   use_portable(flag) -> None                   force the portable code (tests)
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#define SPOT_X86 1
#endif

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2};

static const uint32_t H0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static inline uint32_t load_be32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline void store_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void compress_portable(uint32_t h[8], const uint8_t *data, size_t blocks) {
    uint32_t w[64];
    for (; blocks; blocks--, data += 64) {
        for (int i = 0; i < 16; i++) w[i] = load_be32(data + 4 * i);
        for (int i = 16; i < 64; i++) {
            uint32_t s0 = ROTR(w[i - 15], 7) ^ ROTR(w[i - 15], 18) ^ (w[i - 15] >> 3);
            uint32_t s1 = ROTR(w[i - 2], 17) ^ ROTR(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
        for (int i = 0; i < 64; i++) {
            uint32_t t1 = k + (ROTR(e, 6) ^ ROTR(e, 11) ^ ROTR(e, 25)) + ((e & f) ^ (~e & g)) +
                          K[i] + w[i];
            uint32_t t2 = (ROTR(a, 2) ^ ROTR(a, 13) ^ ROTR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            k = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
        h[4] += e;
        h[5] += f;
        h[6] += g;
        h[7] += k;
    }
}

#ifdef SPOT_X86
/* The SHA extensions keep the state as ABEF and CDGH and take two rounds per instruction. */
__attribute__((target("sha,sse4.1,ssse3"))) static void compress_shani(uint32_t h[8],
                                                                       const uint8_t *data,
                                                                       size_t blocks) {
    const __m128i swap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i tmp = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[0]), 0xB1);
    __m128i st1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[4]), 0x1B);
    __m128i st0 = _mm_alignr_epi8(tmp, st1, 8);
    st1 = _mm_blend_epi16(st1, tmp, 0xF0);
    for (; blocks; blocks--, data += 64) {
        __m128i save0 = st0, save1 = st1, w[4], msg;
        for (int g = 0; g < 16; g++) {
            if (g < 4)
                w[g] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16 * g)), swap);
            msg = _mm_add_epi32(w[g & 3], _mm_loadu_si128((const __m128i *)&K[4 * g]));
            st1 = _mm_sha256rnds2_epu32(st1, st0, msg);
            if (g >= 3 && g <= 14) {
                int n = (g + 1) & 3;
                w[n] = _mm_add_epi32(w[n], _mm_alignr_epi8(w[g & 3], w[(g + 3) & 3], 4));
                w[n] = _mm_sha256msg2_epu32(w[n], w[g & 3]);
            }
            st0 = _mm_sha256rnds2_epu32(st0, st1, _mm_shuffle_epi32(msg, 0x0E));
            if (g >= 1 && g <= 12) w[(g + 3) & 3] = _mm_sha256msg1_epu32(w[(g + 3) & 3], w[g & 3]);
        }
        st0 = _mm_add_epi32(st0, save0);
        st1 = _mm_add_epi32(st1, save1);
    }
    tmp = _mm_shuffle_epi32(st0, 0x1B);
    st1 = _mm_shuffle_epi32(st1, 0xB1);
    st0 = _mm_blend_epi16(tmp, st1, 0xF0);
    st1 = _mm_alignr_epi8(st1, tmp, 8);
    _mm_storeu_si128((__m128i *)&h[0], st0);
    _mm_storeu_si128((__m128i *)&h[4], st1);
}

/* Two independent one-block compressions, interleaved: the rounds of one hide the latency of
 * the other's (the SHA instructions are latency-bound), nearly doubling the throughput. */
__attribute__((target("sha,sse4.1,ssse3"))) static void compress_shani_x2(uint32_t ha[8],
                                                                          uint32_t hb[8],
                                                                          const uint8_t *da,
                                                                          const uint8_t *db) {
    const __m128i swap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i ta = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&ha[0]), 0xB1);
    __m128i a1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&ha[4]), 0x1B);
    __m128i a0 = _mm_alignr_epi8(ta, a1, 8);
    a1 = _mm_blend_epi16(a1, ta, 0xF0);
    __m128i tb = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&hb[0]), 0xB1);
    __m128i b1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&hb[4]), 0x1B);
    __m128i b0 = _mm_alignr_epi8(tb, b1, 8);
    b1 = _mm_blend_epi16(b1, tb, 0xF0);
    __m128i sa0 = a0, sa1 = a1, sb0 = b0, sb1 = b1, wa[4], wb[4], ma, mb;
    for (int g = 0; g < 16; g++) {
        if (g < 4) {
            wa[g] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(da + 16 * g)), swap);
            wb[g] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(db + 16 * g)), swap);
        }
        __m128i k = _mm_loadu_si128((const __m128i *)&K[4 * g]);
        ma = _mm_add_epi32(wa[g & 3], k);
        mb = _mm_add_epi32(wb[g & 3], k);
        a1 = _mm_sha256rnds2_epu32(a1, a0, ma);
        b1 = _mm_sha256rnds2_epu32(b1, b0, mb);
        if (g >= 3 && g <= 14) {
            int n = (g + 1) & 3;
            wa[n] = _mm_add_epi32(wa[n], _mm_alignr_epi8(wa[g & 3], wa[(g + 3) & 3], 4));
            wb[n] = _mm_add_epi32(wb[n], _mm_alignr_epi8(wb[g & 3], wb[(g + 3) & 3], 4));
            wa[n] = _mm_sha256msg2_epu32(wa[n], wa[g & 3]);
            wb[n] = _mm_sha256msg2_epu32(wb[n], wb[g & 3]);
        }
        a0 = _mm_sha256rnds2_epu32(a0, a1, _mm_shuffle_epi32(ma, 0x0E));
        b0 = _mm_sha256rnds2_epu32(b0, b1, _mm_shuffle_epi32(mb, 0x0E));
        if (g >= 1 && g <= 12) {
            wa[(g + 3) & 3] = _mm_sha256msg1_epu32(wa[(g + 3) & 3], wa[g & 3]);
            wb[(g + 3) & 3] = _mm_sha256msg1_epu32(wb[(g + 3) & 3], wb[g & 3]);
        }
    }
    a0 = _mm_add_epi32(a0, sa0);
    a1 = _mm_add_epi32(a1, sa1);
    b0 = _mm_add_epi32(b0, sb0);
    b1 = _mm_add_epi32(b1, sb1);
    ta = _mm_shuffle_epi32(a0, 0x1B);
    a1 = _mm_shuffle_epi32(a1, 0xB1);
    _mm_storeu_si128((__m128i *)&ha[0], _mm_blend_epi16(ta, a1, 0xF0));
    _mm_storeu_si128((__m128i *)&ha[4], _mm_alignr_epi8(a1, ta, 8));
    tb = _mm_shuffle_epi32(b0, 0x1B);
    b1 = _mm_shuffle_epi32(b1, 0xB1);
    _mm_storeu_si128((__m128i *)&hb[0], _mm_blend_epi16(tb, b1, 0xF0));
    _mm_storeu_si128((__m128i *)&hb[4], _mm_alignr_epi8(b1, tb, 8));
}

static int cpu_has_shani(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    if (!(c & bit_SSE4_1) || !(c & bit_SSSE3)) return 0;
    if (__get_cpuid_max(0, NULL) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    return (b >> 29) & 1;
}
#endif

typedef void (*compress_fn)(uint32_t *, const uint8_t *, size_t);
static compress_fn compress = compress_portable;
static compress_fn best = compress_portable;

/* Two one-block compressions; the SHA extensions interleave them (compress_shani_x2). */
static void compress_pair_portable(uint32_t *ha, uint32_t *hb, const uint8_t *da,
                                   const uint8_t *db) {
    compress_portable(ha, da, 1);
    compress_portable(hb, db, 1);
}
typedef void (*pair_fn)(uint32_t *, uint32_t *, const uint8_t *, const uint8_t *);
static pair_fn compress_pair = compress_pair_portable;
static pair_fn best_pair = compress_pair_portable;

/* A hash in progress: the state after whole blocks, and the bytes not yet absorbed. */
typedef struct {
    uint32_t h[8];
    uint64_t length; /* bytes absorbed into h */
} midstate;

/* Absorb the whole blocks of data into m; return how many bytes are left over (< 64). */
static size_t absorb(midstate *m, const uint8_t *data, size_t len) {
    size_t blocks = len / 64;
    if (blocks) {
        compress(m->h, data, blocks);
        m->length += 64 * (uint64_t)blocks;
    }
    return len - 64 * blocks;
}

static void midstate_init(midstate *m) {
    memcpy(m->h, H0, sizeof H0);
    m->length = 0;
}

static void digest_out(const uint32_t h[8], uint8_t *out) {
    for (int i = 0; i < 8; i++) store_be32(out + 4 * i, h[i]);
}

/*
 * Pad the last `tail` message bytes in buf (a message of `total` bytes in all): the 0x80 byte,
 * zeros and the length in bits. Returns the number of 64-byte blocks buf now holds.
 */
static size_t pad(uint8_t *buf, size_t tail, uint64_t total) {
    size_t blocks = (tail + 9 + 63) / 64;
    memset(buf + tail, 0, 64 * blocks - tail);
    buf[tail] = 0x80;
    uint64_t bits = total * 8;
    for (int i = 0; i < 8; i++) buf[64 * blocks - 1 - i] = (uint8_t)(bits >> (8 * i));
    return blocks;
}

/* SHA-256 of (what m absorbed) || tail, where tail is shorter than the buffer allows. */
static void finish(const midstate *m, const uint8_t *tail, size_t len, uint8_t *out) {
    uint8_t buf[128];
    uint32_t h[8];
    memcpy(h, m->h, sizeof h);
    size_t whole = len / 64;
    if (whole) {
        compress(h, tail, whole);
        tail += 64 * whole;
    }
    size_t rest = len - 64 * whole;
    memcpy(buf, tail, rest);
    size_t blocks = pad(buf, rest, m->length + len);
    compress(h, buf, blocks);
    digest_out(h, out);
}

static void sha256(const uint8_t *data, size_t len, uint8_t *out) {
    midstate m;
    midstate_init(&m);
    finish(&m, data, len, out);
}

/* ---- digests ---------------------------------------------------------------------------- */

static PyObject *py_digests(PyObject *self, PyObject *args) {
    Py_buffer prefix, items;
    Py_ssize_t width;
    if (!PyArg_ParseTuple(args, "y*y*n", &prefix, &items, &width)) return NULL;
    PyObject *result = NULL;
    if (width <= 0 || items.len % width) {
        PyErr_SetString(PyExc_ValueError, "items must be whole items of `width` bytes");
        goto done;
    }
    Py_ssize_t count = items.len / width;
    result = PyBytes_FromStringAndSize(NULL, 32 * count);
    if (!result) goto done;
    uint8_t *out = (uint8_t *)PyBytes_AS_STRING(result);
    size_t tail_cap = (size_t)(prefix.len % 64) + (size_t)width;
    uint8_t *tail = malloc(tail_cap ? tail_cap : 1);
    if (!tail) {
        Py_CLEAR(result);
        PyErr_NoMemory();
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS;
    midstate m;
    midstate_init(&m);
    size_t rest = absorb(&m, prefix.buf, (size_t)prefix.len);
    memcpy(tail, (const uint8_t *)prefix.buf + prefix.len - rest, rest);
    const uint8_t *item = items.buf;
    for (Py_ssize_t i = 0; i < count; i++, item += width) {
        memcpy(tail + rest, item, (size_t)width);
        finish(&m, tail, rest + (size_t)width, out + 32 * i);
    }
    Py_END_ALLOW_THREADS;
    free(tail);
done:
    PyBuffer_Release(&prefix);
    PyBuffer_Release(&items);
    return result;
}

/* ---- rank ------------------------------------------------------------------------------- */

typedef struct {
    uint32_t h[8];
} ticket;

/* Ticket order: by the 32 bytes (big-endian words compare like the bytes), then by index. */
static inline int ticket_less(const ticket *t, uint32_t a, uint32_t b) {
    for (int i = 0; i < 8; i++)
        if (t[a].h[i] != t[b].h[i]) return t[a].h[i] < t[b].h[i];
    return a < b;
}

static void sort_indices(uint32_t *v, size_t n, const ticket *t) {
    while (n > 16) {
        /* median of three as the pivot, then Hoare partition */
        size_t mid = n / 2;
        uint32_t a = v[0], b = v[mid], c = v[n - 1], p;
        if (ticket_less(t, a, b))
            p = ticket_less(t, b, c) ? b : (ticket_less(t, a, c) ? c : a);
        else
            p = ticket_less(t, a, c) ? a : (ticket_less(t, b, c) ? c : b);
        size_t i = 0, j = n - 1;
        for (;;) {
            while (ticket_less(t, v[i], p)) i++;
            while (ticket_less(t, p, v[j])) j--;
            if (i >= j) break;
            uint32_t x = v[i];
            v[i] = v[j];
            v[j] = x;
            i++;
            j--;
        }
        /* recurse into the smaller side, loop on the larger */
        size_t left = j + 1;
        if (left < n - left) {
            sort_indices(v, left, t);
            v += left;
            n -= left;
        } else {
            sort_indices(v + left, n - left, t);
            n = left;
        }
    }
    for (size_t i = 1; i < n; i++) {
        uint32_t x = v[i];
        size_t j = i;
        while (j && ticket_less(t, x, v[j - 1])) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

static PyObject *py_rank(PyObject *self, PyObject *args) {
    Py_buffer head, targets;
    PyObject *keys_arg;
    if (!PyArg_ParseTuple(args, "y*y*O", &head, &targets, &keys_arg)) return NULL;
    PyObject *result = NULL, *keys = NULL;
    uint8_t *arena = NULL, *pre = NULL, *packed = NULL;
    size_t *offsets = NULL, *nblocks = NULL;
    ticket *tickets = NULL;
    uint32_t *order = NULL;

    if (targets.len % 32) {
        PyErr_SetString(PyExc_ValueError, "targets must be 32-byte commitments");
        goto done;
    }
    keys = PySequence_Fast(keys_arg, "lp_keys must be a sequence of bytes");
    if (!keys) goto done;
    Py_ssize_t size = PySequence_Fast_GET_SIZE(keys);
    Py_ssize_t count = targets.len / 32;
    if (size > (Py_ssize_t)UINT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "pool too large");
        goto done;
    }
    size_t width = size <= 256 ? 1 : 4;
    size_t pre_len = (size_t)head.len + 32;
    size_t rem = pre_len % 64, pre_blocks = pre_len / 64;

    /* One padded template per key: the target's leftover bytes, then the key, then padding. */
    offsets = malloc(sizeof(size_t) * (size ? size : 1));
    nblocks = malloc(sizeof(size_t) * (size ? size : 1));
    size_t arena_len = 0;
    for (Py_ssize_t k = 0; k < size; k++) {
        PyObject *key = PySequence_Fast_GET_ITEM(keys, k);
        if (!PyBytes_Check(key)) {
            PyErr_SetString(PyExc_TypeError, "lp_keys must be bytes");
            goto done;
        }
        size_t len = rem + (size_t)PyBytes_GET_SIZE(key);
        offsets[k] = arena_len;
        nblocks[k] = (len + 9 + 63) / 64;
        arena_len += 64 * nblocks[k];
    }
    arena = malloc(arena_len ? arena_len : 1);
    pre = malloc(pre_len);
    tickets = malloc(sizeof(ticket) * (size ? size : 1));
    order = malloc(sizeof(uint32_t) * (size ? size : 1));
    packed = malloc((size_t)count * (size_t)size * width + 1);
    if (!offsets || !nblocks || !arena || !pre || !tickets || !order || !packed) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t k = 0; k < size; k++) {
        PyObject *key = PySequence_Fast_GET_ITEM(keys, k);
        size_t klen = (size_t)PyBytes_GET_SIZE(key);
        memcpy(arena + offsets[k] + rem, PyBytes_AS_STRING(key), klen);
        pad(arena + offsets[k], rem + klen, pre_len + klen);
    }
    memcpy(pre, head.buf, (size_t)head.len);

    Py_BEGIN_ALLOW_THREADS;
    const uint8_t *target = targets.buf;
    for (Py_ssize_t t = 0; t < count; t++, target += 32) {
        memcpy(pre + head.len, target, 32);
        uint32_t start[8];
        memcpy(start, H0, sizeof start);
        if (pre_blocks) compress(start, pre, pre_blocks);
        for (Py_ssize_t k = 0; k < size; k++) {
            memcpy(arena + offsets[k], pre + 64 * pre_blocks, rem);
            memcpy(tickets[k].h, start, sizeof start);
            order[k] = (uint32_t)k;
        }
        Py_ssize_t k = 0;
        for (; k + 1 < size; k += 2) {
            if (nblocks[k] == 1 && nblocks[k + 1] == 1) {
                compress_pair(tickets[k].h, tickets[k + 1].h, arena + offsets[k],
                              arena + offsets[k + 1]);
            } else {
                compress(tickets[k].h, arena + offsets[k], nblocks[k]);
                compress(tickets[k + 1].h, arena + offsets[k + 1], nblocks[k + 1]);
            }
        }
        if (k < size) compress(tickets[k].h, arena + offsets[k], nblocks[k]);
        sort_indices(order, (size_t)size, tickets);
        uint8_t *out = packed + (size_t)t * (size_t)size * width;
        if (width == 1)
            for (Py_ssize_t k = 0; k < size; k++) out[k] = (uint8_t)order[k];
        else
            memcpy(out, order, sizeof(uint32_t) * (size_t)size);
    }
    Py_END_ALLOW_THREADS;

    result = PyList_New(count);
    if (!result) goto done;
    for (Py_ssize_t t = 0; t < count; t++) {
        PyObject *item = PyBytes_FromStringAndSize(
            (const char *)packed + (size_t)t * (size_t)size * width, (Py_ssize_t)(size * width));
        if (!item) {
            Py_CLEAR(result);
            goto done;
        }
        PyList_SET_ITEM(result, t, item);
    }
done:
    free(offsets);
    free(nblocks);
    free(arena);
    free(pre);
    free(tickets);
    free(order);
    free(packed);
    Py_XDECREF(keys);
    PyBuffer_Release(&head);
    PyBuffer_Release(&targets);
    return result;
}

/* ---- commitments ------------------------------------------------------------------------ */

static PyObject *py_commitments(PyObject *self, PyObject *args) {
    Py_buffer secret, keys, tag;
    if (!PyArg_ParseTuple(args, "y*y*y*", &secret, &keys, &tag)) return NULL;
    PyObject *result = NULL, *salts = NULL, *hex = NULL;
    uint8_t *msg = NULL;
    const uint8_t *all = keys.buf;
    Py_ssize_t count = 0;
    size_t longest = 0, len = 0;
    for (Py_ssize_t i = 0; i < keys.len; i++) {
        if (all[i] == 0) {
            count++;
            if (len > longest) longest = len;
            len = 0;
        } else {
            len++;
        }
    }
    if (len) {
        PyErr_SetString(PyExc_ValueError, "every key must end with a NUL byte");
        goto done;
    }
    salts = PyBytes_FromStringAndSize(NULL, 32 * count);
    hex = PyBytes_FromStringAndSize(NULL, 64 * count);
    msg = malloc((size_t)tag.len + 36 + longest + 64);
    if (!salts || !hex || !msg) {
        if (!msg) PyErr_NoMemory();
        goto done;
    }
    uint8_t *salt_out = (uint8_t *)PyBytes_AS_STRING(salts);
    char *hex_out = PyBytes_AS_STRING(hex);

    Py_BEGIN_ALLOW_THREADS;
    /* HMAC-SHA256: the inner and outer key blocks are absorbed once for every key. */
    uint8_t block[64] = {0}, ipad[64], opad[64];
    if (secret.len > 64)
        sha256(secret.buf, (size_t)secret.len, block);
    else
        memcpy(block, secret.buf, (size_t)secret.len);
    for (int i = 0; i < 64; i++) {
        ipad[i] = block[i] ^ 0x36;
        opad[i] = block[i] ^ 0x5c;
    }
    midstate inner, outer;
    midstate_init(&inner);
    midstate_init(&outer);
    absorb(&inner, ipad, 64);
    absorb(&outer, opad, 64);
    static const char digits[] = "0123456789abcdef";
    const uint8_t *key = all;
    memcpy(msg, tag.buf, (size_t)tag.len);
    for (Py_ssize_t n = 0; n < count; n++) {
        size_t klen = strlen((const char *)key);
        uint8_t mac[32], commit[32];
        finish(&inner, key, klen, mac);
        uint8_t *salt = salt_out + 32 * n;
        finish(&outer, mac, 32, salt);
        uint8_t *p = msg + tag.len;
        memcpy(p, salt, 32);
        store_be32(p + 32, (uint32_t)klen);
        memcpy(p + 36, key, klen);
        sha256(msg, (size_t)tag.len + 36 + klen, commit);
        for (int i = 0; i < 32; i++) {
            hex_out[64 * n + 2 * i] = digits[commit[i] >> 4];
            hex_out[64 * n + 2 * i + 1] = digits[commit[i] & 15];
        }
        key += klen + 1;
    }
    Py_END_ALLOW_THREADS;
    result = PyTuple_Pack(2, salts, hex);
done:
    free(msg);
    Py_XDECREF(salts);
    Py_XDECREF(hex);
    PyBuffer_Release(&secret);
    PyBuffer_Release(&keys);
    PyBuffer_Release(&tag);
    return result;
}

/* ---- implementation choice -------------------------------------------------------------- */

static PyObject *py_implementation(PyObject *self, PyObject *noargs) {
    return PyUnicode_FromString(compress == compress_portable ? "portable" : "sha-ni");
}

static PyObject *py_use_portable(PyObject *self, PyObject *flag) {
    int portable = PyObject_IsTrue(flag);
    if (portable < 0) return NULL;
    compress = portable ? compress_portable : best;
    compress_pair = portable ? compress_pair_portable : best_pair;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"digests", py_digests, METH_VARARGS,
     "digests(prefix, items, width): SHA-256(prefix || item) of each `width`-byte item, "
     "concatenated."},
    {"rank", py_rank, METH_VARARGS,
     "rank(head, targets, lp_keys): for each 32-byte target, the indices of lp_keys ordered by "
     "SHA-256(head || target || key), ties to the smaller index; one byte per index for pools "
     "up to 256, else native unsigned 32-bit integers."},
    {"commitments", py_commitments, METH_VARARGS,
     "commitments(secret, keys, tag): for NUL-terminated UTF-8 keys, the salts "
     "HMAC-SHA256(secret, key) concatenated and the commitments SHA-256(tag || salt || lp(key)) "
     "as concatenated lowercase hex."},
    {"implementation", py_implementation, METH_NOARGS,
     "The SHA-256 code in use: 'sha-ni' or 'portable'."},
    {"use_portable", py_use_portable, METH_O, "Force (True) or release (False) the portable code."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_native",
                                    "Compiled hashing kernels of the draw (see _native.c).", -1,
                                    methods};

PyMODINIT_FUNC PyInit__native(void) {
#ifdef SPOT_X86
    if (cpu_has_shani()) {
        best = compress = compress_shani;
        best_pair = compress_pair = compress_shani_x2;
    }
#endif
    return PyModule_Create(&module);
}
