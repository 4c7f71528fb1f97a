// The download queue: progress, speed and time left; pause, resume, retry, cancel. It survives a
// restart: what was downloading carries on from the bytes already on disk.
pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Hearth.Core

ListView {
    id: list
    objectName: "downloadList"
    clip: true
    spacing: 6
    Label {
        anchors.centerIn: parent
        visible: list.count === 0
        text: qsTr("Nothing downloading. Models from the Catalog and Hugging Face tabs appear here.")
    }
    model: DownloadController.downloads
    delegate: Frame {
        id: row
        required property var downloadId
        required property string fileName
        required property string repository
        required property string state
        required property double progress
        required property string status
        width: ListView.view.width
        ColumnLayout {
            anchors.fill: parent
            RowLayout {
                Label { text: row.fileName; textFormat: Text.PlainText; font.bold: true; elide: Text.ElideMiddle; Layout.fillWidth: true }
                Label { text: row.repository; textFormat: Text.PlainText; opacity: 0.7 }
                Button {
                    visible: row.state === "downloading"
                    text: qsTr("Pause")
                    onClicked: DownloadController.pause(row.downloadId)
                    Accessible.name: qsTr("Pause %1").arg(row.fileName)
                }
                Button {
                    visible: row.state === "paused" || row.state === "failed"
                    text: row.state === "failed" ? qsTr("Retry") : qsTr("Resume")
                    enabled: !DownloadController.offline
                    onClicked: DownloadController.resume(row.downloadId)
                    Accessible.name: qsTr("%1 %2").arg(text).arg(row.fileName)
                }
                Button {
                    visible: row.state !== "done"
                    text: qsTr("Cancel")
                    onClicked: DownloadController.cancel(row.downloadId)
                    Accessible.name: qsTr("Cancel %1").arg(row.fileName)
                }
            }
            ThinProgressBar { value: row.progress; Layout.fillWidth: true; visible: row.state !== "done" }
            Label {
                text: row.status
                textFormat: Text.PlainText
                wrapMode: Text.Wrap
                color: row.state === "failed" ? "#a12622" : palette.windowText
                Layout.fillWidth: true
            }
        }
    }
}
