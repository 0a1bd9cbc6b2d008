import { createRoot } from 'react-dom/client';
import { App } from './components/App';
import { bootstrap } from './bootstrap';
import './styles/fonts.css';
import './styles/base.css';
import './styles/layout.css';
import './styles/merge-view.css';
import './styles/browser-notices.css';
import './styles/segments.css';
import './styles/views.css';
import './styles/models.css';

createRoot(document.getElementById('root')!).render(<App />);
void bootstrap();
