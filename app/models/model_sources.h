// GGUF files other apps already downloaded, found where those apps keep them and listed in place
// (read-only: never copied, moved or written): LM Studio, GPT4All, Jan, the Hugging Face hub
// cache, llama.cpp's cache, and Ollama's store, whose model layers are GGUF blobs named by
// digest and listed under their Ollama name and tag.
#pragma once

#include <QList>
#include <QString>
#include <QStringList>

#include <cstdint>

namespace hearth::models {

struct ModelSource {
    QString id;  // "lmstudio", "gpt4all", "jan", "huggingface", "llamacpp", "ollama"
    QString label;  // "LM Studio"
    QStringList roots;  // the folders looked in, for this user and platform
};

struct FoundModel {
    QString source;  // ModelSource::id
    QString sourceLabel;
    QString name;  // as that app names it: "lmstudio-community/Qwen3-4B-GGUF/Qwen3-4B-Q4_K_M.gguf", "qwen3:4b"
    QString path;  // the file to load (for the hub cache, the snapshot link)
    int64_t size = 0;
    QString quantization;  // from the name or Ollama's config; "" when unknown
};

// Every source with its folders, from HOME, the XDG folders and each app's own variables
// (HF_HUB_CACHE, HF_HOME, LLAMA_CACHE, OLLAMA_MODELS).
QList<ModelSource> modelSources();
// The models in the sources whose ids are in `enabled` (all when empty), in source order.
QList<FoundModel> scanModelSources(const QStringList& enabled = {});
// The "sources.<id>" setting's key (true unless the user turned it off).
QString sourceSettingKey(const QString& id);

}  // namespace hearth::models
