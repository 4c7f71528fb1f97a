#include "storage/sealed_vfs.h"
#include "storage/store_error.h"

#include <sodium.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace hearth::storage {

namespace {

constexpr int64_t kHeader = int64_t(kSealedHeaderBytes);
constexpr int64_t kBlock = int64_t(kSealedBlockBytes);
constexpr int64_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr int64_t kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr int64_t kPlain = 4 + kBlock;  // bytes-in-use count, then the data
constexpr int64_t kSealed = kNonce + kPlain + kTag;

enum class FileKind : uint8_t { Database = 1, Wal = 2, Journal = 3, Temporary = 4 };

struct SealedVfs {
    sqlite3_vfs vfs {};
    sqlite3_vfs* root = nullptr;
    std::string name;
    std::shared_ptr<const StoreKey> key;
};

struct SealedFile {
    sqlite3_file base;  // first: SQLite casts between the two
    const StoreKey* key;
    FileKind kind;
    bool readOnly;
    sqlite3_file* real;
};

constexpr size_t kFileOffset = (sizeof(SealedFile) + 15) & ~size_t(15);

SealedFile* sealed(sqlite3_file* f) { return reinterpret_cast<SealedFile*>(f); }

// One decrypted block: its data (zeros past `used`) and how many bytes of it are in use.
struct Block {
    uint8_t data[kBlock];
    uint32_t used = 0;
};

void additionalData(const SealedFile* f, int64_t index, uint8_t out[9])
{
    out[0] = uint8_t(f->kind);
    for (int i = 0; i < 8; ++i) out[1 + i] = uint8_t(uint64_t(index) >> (8 * i));
}

int64_t physicalSize(SealedFile* f)
{
    sqlite3_int64 size = 0;
    if (f->real->pMethods->xFileSize(f->real, &size) != SQLITE_OK) return -1;
    return size;
}

int64_t blockCount(int64_t physical) { return physical < kHeader ? 0 : (physical - kHeader) / kSealed; }

enum class ReadResult { Ok, Missing, Forged, Error };

// Reads and opens block `index`. Forged: it exists but fails authentication.
ReadResult readBlock(SealedFile* f, int64_t index, Block& out)
{
    uint8_t raw[kSealed];
    const int rc = f->real->pMethods->xRead(f->real, raw, int(kSealed), kHeader + index * kSealed);
    if (rc == SQLITE_IOERR_SHORT_READ) return ReadResult::Missing;
    if (rc != SQLITE_OK) return ReadResult::Error;
    uint8_t ad[9];
    additionalData(f, index, ad);
    uint8_t plain[kPlain];
    unsigned long long plainLen = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &plainLen, nullptr, raw + kNonce, kPlain + kTag, ad, sizeof(ad), raw,
                                                   f->key->bytes()) != 0)
        return ReadResult::Forged;
    out.used = uint32_t(plain[0]) | uint32_t(plain[1]) << 8 | uint32_t(plain[2]) << 16 | uint32_t(plain[3]) << 24;
    if (out.used > kBlock) return ReadResult::Forged;
    std::memcpy(out.data, plain + 4, kBlock);
    sodium_memzero(plain, sizeof(plain));
    return ReadResult::Ok;
}

// A concurrent writer (another connection rewriting a WAL block) can make a read see half a
// block; such a read succeeds when retried. A block that keeps failing is damaged or forged.
ReadResult readBlockRetrying(SealedFile* f, int64_t index, Block& out)
{
    ReadResult r = readBlock(f, index, out);
    for (int attempt = 0; r == ReadResult::Forged && attempt < 3; ++attempt) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2 << attempt));
        r = readBlock(f, index, out);
    }
    return r;
}

int writeBlock(SealedFile* f, int64_t index, const Block& block)
{
    uint8_t plain[kPlain];
    plain[0] = uint8_t(block.used);
    plain[1] = uint8_t(block.used >> 8);
    plain[2] = uint8_t(block.used >> 16);
    plain[3] = uint8_t(block.used >> 24);
    std::memcpy(plain + 4, block.data, kBlock);
    uint8_t raw[kSealed];
    randombytes_buf(raw, kNonce);
    uint8_t ad[9];
    additionalData(f, index, ad);
    unsigned long long sealedLen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(raw + kNonce, &sealedLen, plain, kPlain, ad, sizeof(ad), nullptr, raw, f->key->bytes());
    sodium_memzero(plain, sizeof(plain));
    return f->real->pMethods->xWrite(f->real, raw, int(kSealed), kHeader + index * kSealed);
}

// The logical size: full blocks before the last, plus the last block's bytes in use. A WAL's
// torn last block does not count (see the header comment).
int logicalSize(SealedFile* f, int64_t& size, int64_t* blocks = nullptr)
{
    const int64_t physical = physicalSize(f);
    if (physical < 0) return SQLITE_IOERR_FSTAT;
    int64_t n = blockCount(physical);
    size = 0;
    bool droppedTail = false;
    while (n > 0) {
        Block last;
        const ReadResult r = readBlockRetrying(f, n - 1, last);
        if (r == ReadResult::Ok) {
            size = (n - 1) * kBlock + last.used;
            break;
        }
        if (r == ReadResult::Error) return SQLITE_IOERR_READ;
        // A torn WAL tail held a frame that was never committed; only the very last block may
        // be torn, so an earlier bad block is damage.
        if (r == ReadResult::Forged && (f->kind != FileKind::Wal || droppedTail)) return SQLITE_IOERR_DATA;
        droppedTail = droppedTail || r == ReadResult::Forged;
        --n;
    }
    if (blocks) *blocks = n;
    return SQLITE_OK;
}

int ensureHeader(SealedFile* f)
{
    const int64_t physical = physicalSize(f);
    if (physical < 0) return SQLITE_IOERR_FSTAT;
    if (physical >= kHeader) return SQLITE_OK;
    auto header = f->key->header();
    return f->real->pMethods->xWrite(f->real, header.data(), int(header.size()), 0);
}

int sealedClose(sqlite3_file* file)
{
    SealedFile* f = sealed(file);
    int rc = f->real->pMethods ? f->real->pMethods->xClose(f->real) : SQLITE_OK;
    f->real->pMethods = nullptr;
    return rc;
}

// Reads only the blocks asked for: each block's count of bytes in use says where the file ends,
// so no read needs the logical size first (which would read and open the last block as well).
int sealedRead(sqlite3_file* file, void* buffer, int amount, sqlite3_int64 offset)
{
    SealedFile* f = sealed(file);
    auto* out = static_cast<uint8_t*>(buffer);
    const int64_t physical = physicalSize(f);
    if (physical < 0) return SQLITE_IOERR_FSTAT;
    const int64_t blocks = blockCount(physical);
    bool shortRead = false;
    Block block;
    for (int64_t pos = offset; pos < offset + amount;) {
        const int64_t index = pos / kBlock;
        const int64_t within = pos % kBlock;
        const int64_t take = std::min<int64_t>(kBlock - within, offset + amount - pos);
        uint8_t* dst = out + (pos - offset);
        const ReadResult r = index < blocks ? readBlockRetrying(f, index, block) : ReadResult::Missing;
        if (r == ReadResult::Error) return SQLITE_IOERR_READ;
        // A WAL's torn last block held a frame that was never committed (see logicalSize).
        const bool tornTail = r == ReadResult::Forged && f->kind == FileKind::Wal && index == blocks - 1;
        if (r == ReadResult::Forged && !tornTail) return SQLITE_IOERR_DATA;
        if (r == ReadResult::Ok) {
            std::memcpy(dst, block.data + within, size_t(take));  // past `used` a block holds zeros
            shortRead = shortRead || within + take > int64_t(block.used);
        } else {  // past the end (or truncated meanwhile by another connection)
            std::memset(dst, 0, size_t(take));
            shortRead = true;
        }
        pos += take;
    }
    sodium_memzero(block.data, sizeof(block.data));
    return shortRead ? SQLITE_IOERR_SHORT_READ : SQLITE_OK;
}

// Writes `amount` bytes at a logical offset no further than the logical size.
int writeWithin(SealedFile* f, const uint8_t* data, int64_t amount, int64_t offset, int64_t blocks)
{
    Block block;
    for (int64_t pos = offset; pos < offset + amount;) {
        const int64_t index = pos / kBlock;
        const int64_t within = pos % kBlock;
        const int64_t take = std::min<int64_t>(kBlock - within, offset + amount - pos);
        if (within == 0 && take == kBlock) {
            block.used = uint32_t(kBlock);
        } else if (index < blocks) {
            const ReadResult r = readBlockRetrying(f, index, block);
            if (r == ReadResult::Error) return SQLITE_IOERR_READ;
            if (r == ReadResult::Forged) return SQLITE_IOERR_DATA;
            if (r == ReadResult::Missing) {
                std::memset(block.data, 0, sizeof(block.data));
                block.used = 0;
            }
        } else {
            std::memset(block.data, 0, sizeof(block.data));
            block.used = 0;
        }
        if (data) std::memcpy(block.data + within, data + (pos - offset), size_t(take));
        else std::memset(block.data + within, 0, size_t(take));
        block.used = std::max<uint32_t>(block.used, uint32_t(within + take));
        if (int rc = writeBlock(f, index, block); rc != SQLITE_OK) return rc;
        blocks = std::max(blocks, index + 1);
        pos += take;
    }
    sodium_memzero(block.data, sizeof(block.data));
    return SQLITE_OK;
}

int sealedWrite(sqlite3_file* file, const void* buffer, int amount, sqlite3_int64 offset)
{
    SealedFile* f = sealed(file);
    if (int rc = ensureHeader(f); rc != SQLITE_OK) return rc;
    int64_t size = 0, blocks = 0;
    if (int rc = logicalSize(f, size, &blocks); rc != SQLITE_OK) return rc;
    if (offset > size) {  // a hole reads as zeros: write them
        if (int rc = writeWithin(f, nullptr, offset - size, size, blocks); rc != SQLITE_OK) return rc;
        blocks = (offset + kBlock - 1) / kBlock;
    }
    return writeWithin(f, static_cast<const uint8_t*>(buffer), amount, offset, blocks);
}

int sealedTruncate(sqlite3_file* file, sqlite3_int64 size)
{
    SealedFile* f = sealed(file);
    int64_t current = 0, blocks = 0;
    if (int rc = logicalSize(f, current, &blocks); rc != SQLITE_OK) return rc;
    if (size >= current) return SQLITE_OK;  // SQLite only shrinks files
    const int64_t keep = (size + kBlock - 1) / kBlock;
    if (size % kBlock != 0) {
        Block last;
        const ReadResult r = readBlockRetrying(f, keep - 1, last);
        if (r != ReadResult::Ok) return r == ReadResult::Error ? SQLITE_IOERR_READ : SQLITE_IOERR_DATA;
        last.used = uint32_t(size % kBlock);
        std::memset(last.data + last.used, 0, size_t(kBlock - last.used));
        if (int rc = writeBlock(f, keep - 1, last); rc != SQLITE_OK) return rc;
    }
    const int64_t physical = physicalSize(f);
    return f->real->pMethods->xTruncate(f->real, physical < kHeader ? 0 : kHeader + keep * kSealed);
}

int sealedSync(sqlite3_file* file, int flags) { return sealed(file)->real->pMethods->xSync(sealed(file)->real, flags); }

int sealedFileSize(sqlite3_file* file, sqlite3_int64* size)
{
    int64_t s = 0;
    const int rc = logicalSize(sealed(file), s);
    *size = s;
    return rc;
}

int sealedLock(sqlite3_file* file, int level) { return sealed(file)->real->pMethods->xLock(sealed(file)->real, level); }
int sealedUnlock(sqlite3_file* file, int level) { return sealed(file)->real->pMethods->xUnlock(sealed(file)->real, level); }
int sealedCheckReservedLock(sqlite3_file* file, int* out)
{
    return sealed(file)->real->pMethods->xCheckReservedLock(sealed(file)->real, out);
}

int sealedFileControl(sqlite3_file* file, int op, void* arg)
{
    // Size hints and chunk sizes are in logical bytes; the physical file grows by itself.
    if (op == SQLITE_FCNTL_SIZE_HINT || op == SQLITE_FCNTL_CHUNK_SIZE) return SQLITE_OK;
    // Memory-mapped reads would bypass decryption.
    if (op == SQLITE_FCNTL_MMAP_SIZE) {
        if (arg) *static_cast<sqlite3_int64*>(arg) = 0;
        return SQLITE_OK;
    }
    return sealed(file)->real->pMethods->xFileControl(sealed(file)->real, op, arg);
}

int sealedSectorSize(sqlite3_file* file) { return sealed(file)->real->pMethods->xSectorSize(sealed(file)->real); }

int sealedDeviceCharacteristics(sqlite3_file* file)
{
    // A write rewrites whole blocks, so it is never atomic at SQLite's sizes.
    const int real = sealed(file)->real->pMethods->xDeviceCharacteristics(sealed(file)->real);
    return real &
        ~(SQLITE_IOCAP_ATOMIC | SQLITE_IOCAP_ATOMIC512 | SQLITE_IOCAP_ATOMIC1K | SQLITE_IOCAP_ATOMIC2K | SQLITE_IOCAP_ATOMIC4K |
          SQLITE_IOCAP_ATOMIC8K | SQLITE_IOCAP_ATOMIC16K | SQLITE_IOCAP_ATOMIC32K | SQLITE_IOCAP_ATOMIC64K | SQLITE_IOCAP_BATCH_ATOMIC);
}

int sealedShmMap(sqlite3_file* file, int page, int size, int extend, void volatile** out)
{
    return sealed(file)->real->pMethods->xShmMap(sealed(file)->real, page, size, extend, out);
}
int sealedShmLock(sqlite3_file* file, int offset, int n, int flags)
{
    return sealed(file)->real->pMethods->xShmLock(sealed(file)->real, offset, n, flags);
}
void sealedShmBarrier(sqlite3_file* file) { sealed(file)->real->pMethods->xShmBarrier(sealed(file)->real); }
int sealedShmUnmap(sqlite3_file* file, int deleteFlag) { return sealed(file)->real->pMethods->xShmUnmap(sealed(file)->real, deleteFlag); }

const sqlite3_io_methods kSealedIo = {
    2,  // no xFetch/xUnfetch: SQLite must read through xRead, which decrypts
    sealedClose,
    sealedRead,
    sealedWrite,
    sealedTruncate,
    sealedSync,
    sealedFileSize,
    sealedLock,
    sealedUnlock,
    sealedCheckReservedLock,
    sealedFileControl,
    sealedSectorSize,
    sealedDeviceCharacteristics,
    sealedShmMap,
    sealedShmLock,
    sealedShmBarrier,
    sealedShmUnmap,
    nullptr,
    nullptr,
};

SealedVfs* sealedVfs(sqlite3_vfs* vfs) { return static_cast<SealedVfs*>(vfs->pAppData); }

int sealedOpen(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* outFlags)
{
    SealedVfs* self = sealedVfs(vfs);
    SealedFile* f = sealed(file);
    f->base.pMethods = nullptr;
    f->key = self->key.get();
    f->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kFileOffset);
    f->real->pMethods = nullptr;
    f->kind = (flags & SQLITE_OPEN_MAIN_DB)  ? FileKind::Database
        : (flags & SQLITE_OPEN_WAL)          ? FileKind::Wal
        : (flags & SQLITE_OPEN_MAIN_JOURNAL) ? FileKind::Journal
                                             : FileKind::Temporary;
    f->readOnly = (flags & SQLITE_OPEN_READONLY) != 0;
    int rc = self->root->xOpen(self->root, name, f->real, flags, outFlags);
    if (rc != SQLITE_OK) {
        if (f->real->pMethods) f->real->pMethods->xClose(f->real);
        f->real->pMethods = nullptr;
        return rc;
    }
    f->base.pMethods = &kSealedIo;
    // An existing file must carry this key's header: a plain file, or one sealed with another
    // key, is refused rather than read as garbage.
    const int64_t physical = physicalSize(f);
    if (physical > 0) {
        std::array<uint8_t, kSealedHeaderBytes> header {};
        const int readRc =
            physical >= kHeader ? f->real->pMethods->xRead(f->real, header.data(), int(header.size()), 0) : SQLITE_IOERR_SHORT_READ;
        bool ok = false;
        try {
            ok = readRc == SQLITE_OK && f->key->matches(header);
        } catch (const StoreError&) {
            ok = false;
        }
        if (!ok) {
            sealedClose(file);
            f->base.pMethods = nullptr;
            return SQLITE_NOTADB;
        }
    }
    return SQLITE_OK;
}

int rootDelete(sqlite3_vfs* vfs, const char* name, int syncDir)
{
    return sealedVfs(vfs)->root->xDelete(sealedVfs(vfs)->root, name, syncDir);
}
int rootAccess(sqlite3_vfs* vfs, const char* name, int flags, int* out)
{
    return sealedVfs(vfs)->root->xAccess(sealedVfs(vfs)->root, name, flags, out);
}
int rootFullPathname(sqlite3_vfs* vfs, const char* name, int n, char* out)
{
    return sealedVfs(vfs)->root->xFullPathname(sealedVfs(vfs)->root, name, n, out);
}
void* rootDlOpen(sqlite3_vfs* vfs, const char* name) { return sealedVfs(vfs)->root->xDlOpen(sealedVfs(vfs)->root, name); }
void rootDlError(sqlite3_vfs* vfs, int n, char* out) { sealedVfs(vfs)->root->xDlError(sealedVfs(vfs)->root, n, out); }
void (*rootDlSym(sqlite3_vfs* vfs, void* handle, const char* symbol))(void)
{
    return sealedVfs(vfs)->root->xDlSym(sealedVfs(vfs)->root, handle, symbol);
}
void rootDlClose(sqlite3_vfs* vfs, void* handle) { sealedVfs(vfs)->root->xDlClose(sealedVfs(vfs)->root, handle); }
int rootRandomness(sqlite3_vfs* vfs, int n, char* out) { return sealedVfs(vfs)->root->xRandomness(sealedVfs(vfs)->root, n, out); }
int rootSleep(sqlite3_vfs* vfs, int micros) { return sealedVfs(vfs)->root->xSleep(sealedVfs(vfs)->root, micros); }
int rootCurrentTime(sqlite3_vfs* vfs, double* out) { return sealedVfs(vfs)->root->xCurrentTime(sealedVfs(vfs)->root, out); }
int rootGetLastError(sqlite3_vfs* vfs, int n, char* out) { return sealedVfs(vfs)->root->xGetLastError(sealedVfs(vfs)->root, n, out); }
int rootCurrentTimeInt64(sqlite3_vfs* vfs, sqlite3_int64* out)
{
    return sealedVfs(vfs)->root->xCurrentTimeInt64(sealedVfs(vfs)->root, out);
}

std::mutex g_mutex;
std::map<std::string, std::unique_ptr<SealedVfs>> g_registered;
std::atomic<int> g_counter {0};

}  // namespace

std::string registerSealedVfs(std::shared_ptr<const StoreKey> key)
{
    initSodium();
    auto self = std::make_unique<SealedVfs>();
    self->root = sqlite3_vfs_find(nullptr);
    if (!self->root) throw StoreError(StoreErrorCode::Io, "SQLite has no default VFS to encrypt over");
    self->key = std::move(key);
    self->name = "hearth-sealed-" + std::to_string(++g_counter);
    sqlite3_vfs& v = self->vfs;
    v.iVersion = 2;
    v.szOsFile = int(kFileOffset) + self->root->szOsFile;
    v.mxPathname = self->root->mxPathname;
    v.zName = self->name.c_str();
    v.pAppData = self.get();
    v.xOpen = sealedOpen;
    v.xDelete = rootDelete;
    v.xAccess = rootAccess;
    v.xFullPathname = rootFullPathname;
    v.xDlOpen = rootDlOpen;
    v.xDlError = rootDlError;
    v.xDlSym = rootDlSym;
    v.xDlClose = rootDlClose;
    v.xRandomness = rootRandomness;
    v.xSleep = rootSleep;
    v.xCurrentTime = rootCurrentTime;
    v.xGetLastError = rootGetLastError;
    v.xCurrentTimeInt64 = rootCurrentTimeInt64;
    if (int rc = sqlite3_vfs_register(&v, 0); rc != SQLITE_OK)
        throw StoreError(StoreErrorCode::Io, std::string("cannot register the encrypting VFS: ") + sqlite3_errstr(rc));
    std::lock_guard lock(g_mutex);
    std::string name = self->name;
    g_registered.emplace(name, std::move(self));
    return name;
}

void unregisterSealedVfs(const std::string& name)
{
    std::lock_guard lock(g_mutex);
    auto it = g_registered.find(name);
    if (it == g_registered.end()) return;
    sqlite3_vfs_unregister(&it->second->vfs);
    g_registered.erase(it);
}

}  // namespace hearth::storage
