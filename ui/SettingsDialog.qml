// Generation settings, persisted in the store.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Hearth.Core

Dialog {
    title: qsTr("Settings")
    modal: true
    anchors.centerIn: parent
    width: 460
    standardButtons: Dialog.Close

    GridLayout {
        anchors.fill: parent
        columns: 2
        Label { text: qsTr("Compute device") }
        ComboBox {
            objectName: "deviceBox"
            model: ChatController.devices
            currentIndex: ChatController.deviceIndex
            onActivated: (index) => ChatController.deviceIndex = index
            Layout.fillWidth: true
            Accessible.name: qsTr("Compute device")
        }
        Label { text: qsTr("Temperature") }
        RowLayout {
            Slider {
                id: temperature
                objectName: "temperatureSlider"
                from: 0; to: 2; stepSize: 0.05
                value: ChatController.temperature
                onMoved: ChatController.temperature = value
                Layout.fillWidth: true
                Accessible.name: qsTr("Temperature")
            }
            Label { text: ChatController.temperature.toFixed(2) }
        }
        Label { text: qsTr("Max reply tokens") }
        SpinBox {
            from: 16; to: 8192; stepSize: 16
            value: ChatController.maxTokens
            editable: true
            onValueModified: ChatController.maxTokens = value
            Accessible.name: qsTr("Maximum reply length in tokens")
        }
        Label { text: qsTr("System prompt") }
        TextField {
            text: ChatController.systemPrompt
            placeholderText: qsTr("e.g. You are a concise assistant.")
            onEditingFinished: ChatController.systemPrompt = text
            Layout.fillWidth: true
            Accessible.name: qsTr("System prompt")
        }
    }
}
