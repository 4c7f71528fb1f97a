// The built-in catalog: current models across sizes, each with whether it fits the chosen device;
// "coming" ones (an architecture Hearth cannot run yet) are listed but not downloadable.
pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Hearth.Core

ListView {
    id: list
    objectName: "catalogList"
    clip: true
    spacing: 6
    model: DownloadController.catalog
    delegate: Frame {
        id: row
        required property string entryId
        required property string name
        required property string details
        required property string description
        required property bool coming
        required property string comingReason
        required property bool fits
        required property string fit
        required property bool downloaded
        required property bool downloading
        required property double progress
        width: ListView.view.width
        opacity: coming ? 0.6 : 1
        ColumnLayout {
            anchors.fill: parent
            spacing: 2
            RowLayout {
                Layout.fillWidth: true
                Label {
                    text: row.name + (row.entryId === DownloadController.recommendedId ? qsTr("  (recommended)") : "")
                    font.bold: true
                    elide: Text.ElideRight
                    Layout.fillWidth: true
                }
                Button {
                    text: row.downloaded ? qsTr("Downloaded") : row.downloading ? qsTr("Downloading…") : qsTr("Download")
                    enabled: !row.coming && !row.downloaded && !row.downloading && !DownloadController.offline
                    onClicked: DownloadController.downloadCatalogEntry(row.entryId, false)
                    Accessible.name: qsTr("Download %1").arg(row.name)
                }
            }
            Label { text: row.details; opacity: 0.75; Layout.fillWidth: true; elide: Text.ElideRight }
            Label { text: row.description; wrapMode: Text.Wrap; Layout.fillWidth: true }
            Label {
                text: row.coming ? row.comingReason : row.fit
                color: row.coming ? palette.placeholderText : row.fits ? "#2e6b30" : "#9a5b00"
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
            ThinProgressBar { visible: row.downloading; value: row.progress; Layout.fillWidth: true }
        }
    }
}
