import { createRoot } from 'react-dom/client';
import { App } from './components/App';
import { bootstrap } from './bootstrap';
import './styles.css';
import './models.css';

createRoot(document.getElementById('root')!).render(<App />);
void bootstrap();
