// Move-only owners of Vulkan handles: whatever throws after a handle is made, the handle is
// destroyed (a device made just before a failing step no longer leaks). The destroy function is
// taken at construction because volk loads the entry points at run time.
#pragma once

#include <volk.h>

#include <utility>

namespace hearth::vk {

template <class T>
class DeviceOwned {
public:
    using Destroy = void(VKAPI_PTR*)(VkDevice, T, const VkAllocationCallbacks*);

    DeviceOwned() = default;
    DeviceOwned(VkDevice device, T handle, Destroy destroy) : m_device(device), m_handle(handle), m_destroy(destroy) { }
    ~DeviceOwned() { reset(); }
    DeviceOwned(DeviceOwned&& other) noexcept
        : m_device(other.m_device), m_handle(std::exchange(other.m_handle, T(VK_NULL_HANDLE))), m_destroy(other.m_destroy)
    {
    }
    DeviceOwned& operator=(DeviceOwned&& other) noexcept
    {
        if (this != &other) {
            reset();
            m_device = other.m_device;
            m_handle = std::exchange(other.m_handle, T(VK_NULL_HANDLE));
            m_destroy = other.m_destroy;
        }
        return *this;
    }
    DeviceOwned(const DeviceOwned&) = delete;
    DeviceOwned& operator=(const DeviceOwned&) = delete;

    T get() const { return m_handle; }
    explicit operator bool() const { return m_handle != T(VK_NULL_HANDLE); }
    void reset()
    {
        if (m_handle != T(VK_NULL_HANDLE) && m_destroy) m_destroy(m_device, m_handle, nullptr);
        m_handle = T(VK_NULL_HANDLE);
    }

private:
    VkDevice m_device = VK_NULL_HANDLE;
    T m_handle = T(VK_NULL_HANDLE);
    Destroy m_destroy = nullptr;
};

// The logical device: waits for its work to finish, then destroys it.
class OwnedDevice {
public:
    OwnedDevice() = default;
    explicit OwnedDevice(VkDevice device) : m_device(device) { }
    ~OwnedDevice()
    {
        if (!m_device) return;
        vkDeviceWaitIdle(m_device);
        vkDestroyDevice(m_device, nullptr);
    }
    OwnedDevice(const OwnedDevice&) = delete;
    OwnedDevice& operator=(const OwnedDevice&) = delete;
    // Takes `device` (only into an empty owner: a device is made once per context).
    void adopt(VkDevice device) { m_device = device; }
    VkDevice get() const { return m_device; }

private:
    VkDevice m_device = VK_NULL_HANDLE;
};

}  // namespace hearth::vk
