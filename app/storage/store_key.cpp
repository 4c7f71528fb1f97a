#include "storage/store_key.h"
#include "storage/store_error.h"

#include <sodium.h>

#include <cstdio>
#include <cstring>
#include <new>

namespace hearth::storage {

namespace {

constexpr char kMagic[16] = {'H', 'E', 'A', 'R', 'T', 'H', '-', 'S', 'E', 'A', 'L', 'E', 'D', '-', 'D', 'B'};
constexpr uint32_t kFormatVersion = 1;
constexpr uint32_t kOpsLimit = 3;
constexpr uint32_t kMemLimitKiB = 128 * 1024;
// Refuse absurd costs from a hostile header before spending them.
constexpr uint32_t kMaxOpsLimit = 64;
constexpr uint32_t kMaxMemLimitKiB = 4 * 1024 * 1024;

void putU32(uint8_t* p, uint32_t v)
{
    for (int i = 0; i < 4; ++i) p[i] = uint8_t(v >> (8 * i));
}

uint32_t getU32(const uint8_t* p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24; }

// The check value: a keyed BLAKE2b of a label and the salt. It reveals nothing about the key,
// and a wrong key gives a different value.
std::array<uint8_t, 16> keyCheck(const uint8_t* key, const KdfParams& params)
{
    static const char label[] = "hearth sealed key check v1";
    uint8_t input[sizeof(label) + kSealedSaltBytes];
    std::memcpy(input, label, sizeof(label));
    std::memcpy(input + sizeof(label), params.salt.data(), kSealedSaltBytes);
    std::array<uint8_t, 16> out {};
    crypto_generichash(out.data(), out.size(), input, sizeof(input), key, kSealedKeyBytes);
    return out;
}

}  // namespace

void initSodium()
{
    if (sodium_init() < 0) throw StoreError(StoreErrorCode::Io, "libsodium could not be initialised");
}

KdfParams newKdfParams()
{
    initSodium();
    KdfParams p;
    randombytes_buf(p.salt.data(), p.salt.size());
    p.opsLimit = kOpsLimit;
    p.memLimitKiB = kMemLimitKiB;
    return p;
}

std::shared_ptr<const StoreKey> StoreKey::derive(const std::string& passphrase, const KdfParams& params)
{
    initSodium();
    if (params.opsLimit < crypto_pwhash_OPSLIMIT_MIN || params.opsLimit > kMaxOpsLimit || params.memLimitKiB < 8 ||
        params.memLimitKiB > kMaxMemLimitKiB)
        throw StoreError(StoreErrorCode::Corrupt, "the encrypted database's key parameters are out of range (the header is damaged)");
    std::shared_ptr<StoreKey> key(new StoreKey());
    key->m_params = params;
    key->m_key = static_cast<uint8_t*>(sodium_malloc(kSealedKeyBytes));
    if (!key->m_key) throw std::bad_alloc();
    if (crypto_pwhash(key->m_key, kSealedKeyBytes, passphrase.data(), passphrase.size(), params.salt.data(), params.opsLimit,
                      size_t(params.memLimitKiB) * 1024, crypto_pwhash_ALG_ARGON2ID13) != 0)
        throw StoreError(StoreErrorCode::Io,
                         "deriving the key from the passphrase ran out of memory (Argon2id needs " +
                             std::to_string(params.memLimitKiB / 1024) + " MiB)");
    sodium_mprotect_readonly(key->m_key);
    return key;
}

std::shared_ptr<const StoreKey> StoreKey::fromBytes(const uint8_t* bytes, const KdfParams& params)
{
    initSodium();
    std::shared_ptr<StoreKey> key(new StoreKey());
    key->m_params = params;
    key->m_key = static_cast<uint8_t*>(sodium_malloc(kSealedKeyBytes));
    if (!key->m_key) throw std::bad_alloc();
    std::memcpy(key->m_key, bytes, kSealedKeyBytes);
    sodium_mprotect_readonly(key->m_key);
    return key;
}

StoreKey::~StoreKey()
{
    if (m_key) sodium_free(m_key);  // wipes before freeing
}

std::array<uint8_t, kSealedHeaderBytes> StoreKey::header() const
{
    std::array<uint8_t, kSealedHeaderBytes> h {};
    std::memcpy(h.data(), kMagic, sizeof(kMagic));
    putU32(h.data() + 16, kFormatVersion);
    putU32(h.data() + 20, uint32_t(kSealedBlockBytes));
    std::memcpy(h.data() + 24, m_params.salt.data(), kSealedSaltBytes);
    putU32(h.data() + 40, m_params.opsLimit);
    putU32(h.data() + 44, m_params.memLimitKiB);
    auto check = keyCheck(m_key, m_params);
    std::memcpy(h.data() + 48, check.data(), check.size());
    return h;
}

bool StoreKey::matches(const std::array<uint8_t, kSealedHeaderBytes>& header) const
{
    auto params = parseSealedHeader(header);
    if (!params || params->salt != m_params.salt) return false;
    auto check = keyCheck(m_key, m_params);
    return sodium_memcmp(check.data(), header.data() + 48, check.size()) == 0;
}

std::optional<KdfParams> parseSealedHeader(const std::array<uint8_t, kSealedHeaderBytes>& header)
{
    if (std::memcmp(header.data(), kMagic, sizeof(kMagic)) != 0) return std::nullopt;
    if (getU32(header.data() + 16) != kFormatVersion || getU32(header.data() + 20) != kSealedBlockBytes)
        throw StoreError(StoreErrorCode::Corrupt,
                         "the encrypted database was written by a newer Hearth (format " + std::to_string(getU32(header.data() + 16)) +
                             ")");
    KdfParams p;
    std::memcpy(p.salt.data(), header.data() + 24, kSealedSaltBytes);
    p.opsLimit = getU32(header.data() + 40);
    p.memLimitKiB = getU32(header.data() + 44);
    return p;
}

std::optional<std::array<uint8_t, kSealedHeaderBytes>> readSealedHeader(const std::string& path)
{
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return std::nullopt;
    std::array<uint8_t, kSealedHeaderBytes> h {};
    const size_t n = std::fread(h.data(), 1, h.size(), f);
    std::fclose(f);
    if (n != h.size() || std::memcmp(h.data(), kMagic, sizeof(kMagic)) != 0) return std::nullopt;
    return h;
}

}  // namespace hearth::storage
