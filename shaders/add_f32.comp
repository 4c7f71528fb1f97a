#version 450
// out[i] = a[i] + b[i] over n floats: the residual connection of every transformer block.

layout(local_size_x_id = 0) in;  // workgroup size, specialised per device

layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 2) writeonly buffer Out { float result[]; };

layout(push_constant) uniform Params { uint n; } params;

void main()
{
    uint i = gl_GlobalInvocationID.x;
    if (i < params.n) result[i] = a[i] + b[i];
}
