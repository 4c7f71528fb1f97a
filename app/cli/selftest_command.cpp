// hearth-cli selftest [--device D] [--model F] [--json]: every Vulkan kernel (the model's weight
// types only, with --model) against the CPU reference on small random inputs. Exit code 0 when
// every check passes, 1 when one fails: a driver that computes garbage is named, kernel by kernel.
#include "cli_args.h"
#include "commands.h"

#include "engine/engine.h"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace hearth::cli {

int runSelfTest(const std::vector<std::string>& argv)
{
    CliArgs args(argv, {"--device", "--model"}, {"--json"});
    if (!args.positionals().empty()) throw std::invalid_argument("usage: hearth-cli selftest [--device D] [--model F] [--json]");
    std::vector<std::string> types;
    if (auto model = args.value("--model"))
        for (const auto& [type, usage] : readModelSummary(*model).weightTypes) types.push_back(type);
    const SelfTestReport report = runDeviceSelfTest(args.value("--device").value_or(""), types);
    if (args.flag("--json")) {
        nlohmann::json checks = nlohmann::json::array();
        for (const auto& c : report.checks)
            checks.push_back({{"kernel", c.kernel},
                              {"detail", c.detail},
                              {"error", c.error},
                              {"tolerance", c.tolerance},
                              {"passed", c.passed},
                              {"problem", c.problem}});
        std::printf("%s\n",
                    nlohmann::json {{"device", report.device},
                                    {"driver", report.driver},
                                    {"passed", report.passed},
                                    {"seconds", report.seconds},
                                    {"checks", checks}}
                        .dump(2)
                        .c_str());
    } else {
        std::printf("self-test of %s (%s)\n", report.device.c_str(), report.driver.c_str());
        int failed = 0;
        for (const auto& c : report.checks) {
            failed += !c.passed;
            std::printf("  %-4s %-34s %-40s error %.2e (limit %.0e)%s%s\n", c.passed ? "ok" : "FAIL", c.kernel.c_str(), c.detail.c_str(),
                        c.error, c.tolerance, c.problem.empty() ? "" : ": ", c.problem.c_str());
        }
        std::printf("%s: %zu checks, %d failed, %.1f s\n", report.passed ? "passed" : "FAILED", report.checks.size(), failed,
                    report.seconds);
        if (!report.passed)
            std::printf("this device's driver computes some kernels wrongly: run on the CPU backend (--backend cpu) instead\n");
    }
    return report.passed ? 0 : 1;
}

}  // namespace hearth::cli
