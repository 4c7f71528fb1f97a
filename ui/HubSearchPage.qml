// Hugging Face: search GGUF repositories, open one to see its models (split files as one), read a
// file's header before downloading it (a few megabytes, not the file), and download.
pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Hearth.Core

ColumnLayout {
    id: page
    spacing: 8
    RowLayout {
        Layout.fillWidth: true
        TextField {
            id: query
            objectName: "hubQuery"
            placeholderText: qsTr("Search GGUF models, e.g. qwen3 or bartowski llama")
            Layout.fillWidth: true
            onAccepted: DownloadController.search(text)
            Accessible.name: qsTr("Search Hugging Face")
        }
        Button {
            text: qsTr("Search")
            enabled: !DownloadController.offline && query.text.trim() !== ""
            onClicked: DownloadController.search(query.text)
        }
        BusyIndicator { running: DownloadController.busy; visible: running; implicitWidth: 28; implicitHeight: 28 }
    }
    Label {
        visible: DownloadController.offline
        text: qsTr("Offline mode is on: search is turned off (Settings).")
        color: "#9a5b00"
    }
    SplitView {
        Layout.fillWidth: true
        Layout.fillHeight: true
        ListView {
            SplitView.preferredWidth: 300
            clip: true
            model: DownloadController.searchResults
            delegate: ItemDelegate {
                id: repoRow
                required property string repository
                required property string details
                required property bool gated
                width: ListView.view.width
                highlighted: DownloadController.repositoryFiles.repository === repository
                contentItem: ColumnLayout {
                    Label { text: repoRow.repository + (repoRow.gated ? qsTr("  (gated)") : ""); textFormat: Text.PlainText; elide: Text.ElideRight; Layout.fillWidth: true }
                    Label { text: repoRow.details; opacity: 0.7; font.pointSize: Math.max(7, Qt.application.font.pointSize - 1) }
                }
                onClicked: DownloadController.openRepository(repository)
                Accessible.name: repository
            }
        }
        ListView {
            SplitView.fillWidth: true
            clip: true
            spacing: 4
            model: DownloadController.repositoryFiles
            header: Label {
                visible: DownloadController.repositoryFiles.repository !== ""
                text: DownloadController.repositoryFiles.repository
                textFormat: Text.PlainText
                font.bold: true
                padding: 4
            }
            delegate: Frame {
                id: fileRow
                required property int index
                required property string name
                required property string details
                required property string preview
                required property bool canDownload
                required property bool downloaded
                width: ListView.view.width
                ColumnLayout {
                    anchors.fill: parent
                    RowLayout {
                        Label { text: fileRow.name; textFormat: Text.PlainText; elide: Text.ElideMiddle; Layout.fillWidth: true }
                        Button {
                            text: qsTr("Details")
                            onClicked: DownloadController.previewFile(fileRow.index)
                            Accessible.name: qsTr("Read the header of %1").arg(fileRow.name)
                        }
                        Button {
                            text: fileRow.downloaded ? qsTr("Downloaded") : qsTr("Download")
                            enabled: fileRow.canDownload && !fileRow.downloaded && !DownloadController.offline
                            onClicked: DownloadController.downloadFile(fileRow.index)
                            Accessible.name: qsTr("Download %1").arg(fileRow.name)
                        }
                    }
                    Label { text: fileRow.details; opacity: 0.75 }
                    Label { visible: fileRow.preview !== ""; text: fileRow.preview; textFormat: Text.PlainText; wrapMode: Text.Wrap; Layout.fillWidth: true }
                }
            }
        }
    }
}
