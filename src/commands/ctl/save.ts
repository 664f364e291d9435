import { saveLoadCommand } from '../../cli/save-load-command.js';

export default saveLoadCommand('save', 'Save the model of every server of a cluster (jubactl -c save).');
