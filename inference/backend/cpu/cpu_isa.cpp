#include "backend/cpu/cpu_isa.h"

#include "core/error.h"

#include <cstdlib>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <utility>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#endif
#if defined(__aarch64__) && defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

namespace hearth {

namespace {

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
// The CPU's feature bits and the operating system's support for the wide registers (XCR0), read
// directly: compilers disagree on the names __builtin_cpu_supports knows.
struct X86Features {
    bool avx2 = false, avxVnni = false, avx512vnni = false;
};

X86Features readX86Features()
{
    X86Features f;
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
    const bool fma = c & (1u << 12), osxsave = c & (1u << 27), avx = c & (1u << 28), f16c = c & (1u << 29);
    if (!osxsave || !avx) return f;
    unsigned xcr0Low, xcr0High;
    __asm__("xgetbv" : "=a"(xcr0Low), "=d"(xcr0High) : "c"(0));
    if ((xcr0Low & 0x6) != 0x6) return f;  // the OS saves the SSE and AVX registers
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return f;
    f.avx2 = fma && f16c && (b & (1u << 5));
    const bool avx512 = (b & (1u << 16)) && (b & (1u << 30)) && (b & (1u << 31)) && (c & (1u << 11));  // F, BW, VL, VNNI
    f.avx512vnni = f.avx2 && avx512 && (xcr0Low & 0xE0) == 0xE0;  // and the OS saves the AVX-512 state
    // AVX-VNNI: leaf 7, sub-leaf 1 (where leaf 7's EAX says there is one), EAX bit 4.
    if (a >= 1 && __get_cpuid_count(7, 1, &a, &b, &c, &d)) f.avxVnni = f.avx2 && (a & (1u << 4));
    return f;
}

bool canRunAvx2() { return readX86Features().avx2; }
bool canRunAvxVnni() { return readX86Features().avxVnni; }
bool canRunAvx512Vnni() { return readX86Features().avx512vnni; }
#else
bool canRunAvxVnni() { return false; }
bool canRunAvx2() { return false; }
bool canRunAvx512Vnni() { return false; }
#endif

bool canRunNeonDotprod()
{
#if defined(__aarch64__) && defined(__linux__) && defined(HWCAP_ASIMDDP)
    return (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
#elif defined(__aarch64__) && defined(__APPLE__)
    return true;  // every Apple ARM64 chip has the dot-product instructions
#else
    return false;
#endif
}

const cpu_kernels::KernelTable& genericTable()
{
    static const cpu_kernels::KernelTable generic {"generic"};
    return generic;
}

}  // namespace

std::vector<const cpu_kernels::KernelTable*> runnableKernelTables()
{
    std::vector<const cpu_kernels::KernelTable*> tables;
    if (canRunAvx512Vnni() && cpu_kernels::avx512Kernels()) tables.push_back(cpu_kernels::avx512Kernels());
    if (canRunAvxVnni() && cpu_kernels::avxVnniKernels()) tables.push_back(cpu_kernels::avxVnniKernels());
    if (canRunAvx2() && cpu_kernels::avx2Kernels()) tables.push_back(cpu_kernels::avx2Kernels());
    if (canRunNeonDotprod() && cpu_kernels::neonKernels()) tables.push_back(cpu_kernels::neonKernels());
    tables.push_back(&genericTable());
    return tables;
}

const cpu_kernels::KernelTable& chosenKernelTable()
{
    const auto tables = runnableKernelTables();
    const char* forced = std::getenv("HEARTH_CPU_ISA");
    if (!forced || !*forced || std::string(forced) == "auto") return *tables.front();
    std::string names;
    for (const auto* table : tables) {
        if (forced == std::string(table->isa)) return *table;
        names += std::string(names.empty() ? "" : ", ") + table->isa;
    }
    throw Error(ErrorCode::Device, "HEARTH_CPU_ISA=" + std::string(forced) + ": this CPU can run " + names + " (or auto)");
}

unsigned physicalCoreCount()
{
    const unsigned logical = std::max(1u, std::thread::hardware_concurrency());
#if defined(__linux__)
    // A core is a distinct (package, core id) pair; SMT siblings share one.
    std::set<std::pair<std::string, std::string>> cores;
    for (unsigned cpu = 0; cpu < logical; ++cpu) {
        const std::string base = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
        std::ifstream package(base + "physical_package_id"), core(base + "core_id");
        std::string p, c;
        if (!(package >> p) || !(core >> c)) return logical;
        cores.emplace(p, c);
    }
    return cores.empty() ? logical : unsigned(cores.size());
#else
    return logical;
#endif
}

}  // namespace hearth
