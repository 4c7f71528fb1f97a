#include "backend/cpu/cpu_isa.h"

#include "core/error.h"

#include <cstdlib>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <utility>

#if defined(__aarch64__) && defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

namespace hearth {

namespace {

bool canRunAvx2()
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    // GCC's and clang's checks include the operating system's support for the wide registers.
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
#else
    return false;
#endif
}

bool canRunAvx512Vnni()
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    return canRunAvx2() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512vnni");
#else
    return false;
#endif
}

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
